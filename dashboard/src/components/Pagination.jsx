import { formatCount } from '../format.js';

/**
 * Paging by cursor. `depth` is how many pages come before this one (0 on the first page);
 * `count` the rows this page shows; `total` the API's exact count, or null when it has none (a
 * time range, for instance): then the text says only what is known, from `hasMore`.
 * Positions assume full earlier pages, which the API returns (`limit` items while `has_more`).
 * `canGoBack` is false on a page opened from a link, whose earlier cursors are not known: then
 * the first page is offered instead of the previous one.
 */
export default function Pagination({
  depth,
  count,
  limit,
  total,
  hasMore,
  canGoBack = true,
  onPrevious,
  onNext,
  onFirst,
  disabled,
}) {
  if (depth === 0 && count === 0) return null; // the empty state says it
  const first = depth * limit + 1;
  const last = depth * limit + count;
  const exact = Number.isInteger(total);
  let range;
  if (count === 0) range = 'No more items';
  else if (exact) range = `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}`;
  else if (hasMore) range = `${formatCount(first)}–${formatCount(last)} of more than ${formatCount(last)}`;
  else range = `${formatCount(first)}–${formatCount(last)} of ${formatCount(last)}`;
  const pages = exact ? Math.max(1, Math.ceil(total / limit)) : null;
  return (
    <nav
      className="pagination"
      aria-label="Pagination"
      data-test-id="pagination"
      data-total={exact ? total : 'unknown'}
      data-depth={depth}
    >
      <span data-test-id="page-info">{range}</span>
      <span className="pagination-buttons">
        {depth > 1 && onFirst ? (
          <button
            type="button"
            className="btn btn-secondary btn-small"
            data-test-id="first-page"
            disabled={disabled}
            onClick={onFirst}
          >
            ⇤ First
          </button>
        ) : null}
        <button
          type="button"
          className="btn btn-secondary btn-small"
          data-test-id="prev-page"
          disabled={disabled || depth === 0 || !canGoBack}
          onClick={onPrevious}
        >
          ← Previous
        </button>
        <span className="pagination-page" aria-live="polite" data-test-id="page-number">
          {pages ? `Page ${depth + 1} of ${Math.max(pages, depth + 1)}` : `Page ${depth + 1}`}
        </span>
        <button
          type="button"
          className="btn btn-secondary btn-small"
          data-test-id="next-page"
          disabled={disabled || !hasMore}
          onClick={onNext}
        >
          Next →
        </button>
      </span>
    </nav>
  );
}

// Offered when a page cannot be read: its cursor may have expired, or belong to other filters.
export function FirstPageLink({ onFirst }) {
  return (
    <p className="hint" data-test-id="first-page-hint">
      This page could not be read; its link may be out of date.{' '}
      <button type="button" className="btn btn-secondary btn-small" onClick={onFirst}>
        Go to the first page
      </button>
    </p>
  );
}

/**
 * The pagination of a live list (hooks.js) on screen as `rows`, paged through `pages`: the rows
 * this tab added before the list had them do not count as the page's own.
 */
export function ListPagination({ list, rows, limit, pages }) {
  const { page } = list;
  return (
    <Pagination
      depth={list.meta.depth}
      count={rows.length - list.localIds.length}
      limit={limit}
      total={page.total}
      hasMore={Boolean(page.has_more && page.next_cursor)}
      disabled={list.loading}
      canGoBack={pages.canGoBack}
      onPrevious={pages.previous}
      onNext={() => pages.next(page.next_cursor)}
      onFirst={pages.first}
    />
  );
}
