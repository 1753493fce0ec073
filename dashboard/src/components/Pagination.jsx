import { formatCount } from '../format.js';

export default function Pagination({ total, limit, offset, onChange, disabled }) {
  if (!total) return null;
  const first = offset + 1;
  const last = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav className="pagination" aria-label="Pagination" data-test-id="pagination">
      <span data-test-id="page-info">
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)}
      </span>
      <span className="pagination-buttons">
        <button
          type="button"
          className="btn btn-secondary btn-small"
          data-test-id="prev-page"
          disabled={disabled || offset <= 0}
          onClick={() => onChange(Math.max(0, offset - limit))}
        >
          ← Previous
        </button>
        <span className="pagination-page" aria-live="polite">
          Page {page} of {pages}
        </span>
        <button
          type="button"
          className="btn btn-secondary btn-small"
          data-test-id="next-page"
          disabled={disabled || offset + limit >= total}
          onClick={() => onChange(offset + limit)}
        >
          Next →
        </button>
      </span>
    </nav>
  );
}
