// A page of a list, kept up to date at the cost of the rows it shows.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useResource } from './hooks.js';
import { useBackoffPolling } from './polling.js';
import { CREATED_WINDOW_MS, forgetCreated, useCreatedEntries } from './recent.js';

// A read by id is the table's truth when it is made; a list read comes from an index, which may
// lag the table (DynamoDB's indexes are eventually consistent). So a row read by id wins over the
// list's copy of it unless the list was read this much later: time for any index to catch up.
export const INDEX_LAG_MS = 10000;

export const isPendingStatus = (row) => row.status === 'pending';

function newestFirst(a, b) {
  if (a.created_at === b.created_at) return 0;
  return a.created_at < b.created_at ? 1 : -1;
}

/**
 * `load(opts)` reads one page of a list ({data, total, has_more, next_cursor, ...}); `deps` say
 * when to read it again, as for useResource. Then:
 * - the rows shown that are still pending (`isPending`) are read again one by one with
 *   `fetchOne(id, opts)`, never the whole list, with exponential backoff (polling.js), until none
 *   is pending; `onRowChange(before, after)` hears of each status change;
 * - on the first page (`firstPage`), what this tab created (`created: {kind, accept(row)}`, see
 *   recent.js) and the list does not include yet is shown among the rows, its id in `localIds`.
 *
 * Returns the resource ({data, error, loading}) plus {page, stale (the page shown was read for
 * other deps: another is loading), meta (what the caller passed as `meta` with the page shown,
 * e.g. its depth), rows, localIds, pending, poll, reload() (a user action: it also restarts the
 * backoff), patch(row) (a row known fresher, e.g. from an action's answer)}.
 */
export function useLiveList({
  load,
  deps,
  fetchOne,
  isPending = isPendingStatus,
  created = null,
  firstPage = true,
  meta = null,
  onRowChange,
}) {
  const key = JSON.stringify(deps);
  const list = useResource(async (opts) => ({ page: await load(opts), at: Date.now(), key, meta, firstPage }), deps);
  const [fresh, setFresh] = useState(() => new Map()); // id -> {row, at}: rows read by id
  const entries = useCreatedEntries();

  const page = list.data ? list.data.page : null;
  // While another page loads, the one on screen stays, marked stale, with its own `meta`.
  const stale = Boolean(list.data) && list.data.key !== key;
  const listedAt = list.data ? list.data.at : 0;
  const listed = page ? page.data : [];
  const pick = (row) => {
    const known = fresh.get(row.id);
    return known && known.at + INDEX_LAG_MS > listedAt ? known.row : row;
  };
  const rows = listed.map(pick);
  const localIds = [];
  if (created && list.data && list.data.firstPage) {
    const seen = new Set(listed.map((r) => r.id));
    const oldest = listed.length ? listed[listed.length - 1].created_at : null;
    for (const entry of entries) {
      if (entry.kind !== created.kind || seen.has(entry.item.id)) continue;
      if (entry.at + CREATED_WINDOW_MS <= listedAt) continue; // the list has had time to show it
      const row = pick(entry.item);
      if (!created.accept(row)) continue;
      // On a full page, only what sorts among its rows belongs on it.
      if (page.has_more && oldest && row.created_at < oldest) continue;
      rows.push(row);
      localIds.push(row.id);
    }
    if (localIds.length) rows.sort(newestFirst);
  }
  const pending = rows.filter(isPending);

  // Once a list read includes what this tab created, the list shows it on its own.
  const kind = created ? created.kind : null;
  useEffect(() => {
    if (kind && page)
      forgetCreated(
        kind,
        page.data.map((r) => r.id),
      );
  }, [kind, page]);

  const latest = useRef({ rows, pending, fetchOne, onRowChange });
  useLayoutEffect(() => {
    latest.current = { rows, pending, fetchOne, onRowChange };
  });

  const tick = async (signal) => {
    const { rows: before, pending: due, fetchOne: fetch, onRowChange: changed } = latest.current;
    const answers = await Promise.all(
      due.map((row) =>
        fetch(row.id, { signal }).then(
          (r) => r,
          () => null,
        ),
      ),
    );
    const at = Date.now();
    const shown = new Set(before.map((r) => r.id));
    setFresh((known) => {
      const next = new Map([...known].filter(([id]) => shown.has(id)));
      for (const row of answers) if (row) next.set(row.id, { row, at });
      return next;
    });
    if (changed) {
      answers.forEach((row, i) => {
        if (row && row.status !== due[i].status) changed(due[i], row);
      });
    }
  };
  const poll = useBackoffPolling(tick, pending.length > 0, { resetKey: key });

  const reload = (opts) => {
    poll.kick();
    return list.reload(opts);
  };
  const patch = (row) => {
    const at = Date.now();
    setFresh((known) => new Map(known).set(row.id, { row, at }));
    poll.kick();
  };
  return {
    ...list,
    page,
    stale,
    meta: list.data ? list.data.meta : meta,
    rows,
    localIds,
    pending,
    poll,
    reload,
    patch,
  };
}
