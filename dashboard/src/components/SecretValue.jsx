import CopyButton from './CopyButton.jsx';

const MASK = '••••••••••••••••••••';

// A secret shown masked until revealed. `value` is null while hidden.
export default function SecretValue({ value, testId, onReveal, onHide, busy, label }) {
  const shown = value !== null && value !== undefined;
  return (
    <span className="secret">
      <code className="secret-value" data-test-id={testId} data-revealed={shown ? 'true' : 'false'} aria-label={label}>
        {shown ? value || '(not set)' : MASK}
      </code>
      <span className="secret-actions">
        {shown ? (
          <>
            <CopyButton text={value} testId={`copy-${testId}`} disabled={!value} />
            {onHide ? (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={onHide}
                data-test-id={`hide-${testId}`}
              >
                Hide
              </button>
            ) : null}
          </>
        ) : (
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={onReveal}
            disabled={busy}
            data-test-id={`reveal-${testId}`}
          >
            {busy ? 'Revealing…' : 'Reveal'}
          </button>
        )}
      </span>
    </span>
  );
}
