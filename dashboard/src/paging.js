// Paging by cursor, with the page in the address.
//
// The API pages with opaque cursors: a page's answer carries `next_cursor`, and there is no way
// back. The address holds the current page's cursor and number (`?page=3&cursor=…`; the first
// page has neither), so a reload or a copied link reads the same page. The cursors of the pages
// before it, which Previous needs, are kept in that history entry's state: the browser keeps it
// across reloads and restores it with the back and forward buttons, and it keeps the address
// short (a cursor holds a position per index shard: about 1.2 KB at 16 shards, so a stack of
// them in the address would pass the 64 KB request line of the dashboard server and of common
// proxies after some fifty pages). A page opened from a copied link has no such state: it offers
// the first page instead of Previous.
// Any change of filter drops the paging: a cursor belongs to the filters it was issued for.
import { useCallback } from 'react';
import { useRouter } from './router.jsx';

const PAGE = 'page';

// The address `pathname` with `changes` applied to its query: a value of null or '' removes a
// parameter. Paging (`cursorParam`, its page number, and the legacy `offset`) is dropped.
export function hrefWith(location, changes, { cursorParam = 'cursor' } = {}) {
  const params = new URLSearchParams(location.search);
  params.delete(cursorParam);
  params.delete(pageParam(cursorParam));
  params.delete('offset');
  for (const [name, value] of Object.entries(changes)) {
    params.delete(name);
    if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `${location.pathname}${search ? `?${search}` : ''}`;
}

function pageParam(cursorParam) {
  return cursorParam === 'cursor' ? PAGE : `${cursorParam}_page`;
}

/**
 * The paging of the current address under `param`: {cursor (null on the first page), depth (0 on
 * the first page), key (changes with the page), canGoBack, next(nextCursor), previous(), first()}.
 */
export function useCursorPages(param = 'cursor') {
  const { location, navigate } = useRouter();
  const query = new URLSearchParams(location.search);
  const cursor = query.get(param) || null;
  const number = Number.parseInt(query.get(pageParam(param)) || '', 10);
  const depth = cursor ? Math.max(1, Number.isInteger(number) ? number - 1 : 1) : 0;
  // The cursors of pages 2..depth (page 1 has none), if this entry was reached by paging.
  const kept = location.state && location.state.paging && location.state.paging[param];
  const before =
    Array.isArray(kept) && kept.length === depth - 1 && kept.every((c) => typeof c === 'string') ? kept : null;

  const go = useCallback(
    (nextCursor, nextDepth, stack) => {
      const href = hrefWith(location, nextCursor ? { [param]: nextCursor, [pageParam(param)]: nextDepth + 1 } : {}, {
        cursorParam: param,
      });
      const paging = { ...((location.state && location.state.paging) || {}), [param]: stack };
      navigate(href, { state: { ...(location.state || {}), paging } });
    },
    [location, navigate, param],
  );
  return {
    cursor,
    depth,
    key: cursor || '',
    canGoBack: depth === 0 || depth === 1 || before !== null,
    next: (nextCursor) => go(nextCursor, depth + 1, cursor ? [...(before || []), cursor] : []),
    previous: () => {
      if (depth <= 1) go(null, 0, []);
      else if (before) go(before[before.length - 1], depth - 1, before.slice(0, -1));
      else go(null, 0, []);
    },
    first: () => go(null, 0, []),
  };
}
