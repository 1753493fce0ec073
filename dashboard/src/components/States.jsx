import { errorMessage } from '../api.js';

export function Loading({ label = 'Loading…' }) {
  return (
    <div className="state state-loading" data-test-id="loading-state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }) {
  return (
    <div className="state state-empty" data-test-id="empty-state">
      <strong>{title}</strong>
      {children ? <div className="state-hint">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry, title = 'Something went wrong' }) {
  return (
    <div className="state state-error" data-test-id="error-state" role="alert">
      <strong>{title}</strong>
      <div className="state-hint">{errorMessage(error)}</div>
      {onRetry ? (
        <button type="button" className="btn btn-secondary" onClick={() => onRetry()}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ kind = 'info', children, testId }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-test-id={testId}>
      {children}
    </div>
  );
}
