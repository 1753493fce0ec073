import { useEffect, useState } from 'react';
import { api } from '../api.js';
import { useAuth } from '../auth.jsx';
import { formatDateTime } from '../format.js';
import CopyButton from './CopyButton.jsx';
import SecretValue from './SecretValue.jsx';
import { Notice } from './States.jsx';

const DEFAULT_OVERLAP_SECONDS = 24 * 3600;

// "24 hours", "90 minutes", "45 seconds": how long a rotated-out secret keeps working.
function overlapText(seconds) {
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

// The API key in the clear, and the API secret behind Reveal. A dashboard session reads the
// credentials without the secret (GET /api/v1/merchant/credentials): revealing it, or rotating it,
// asks for the password again (POST .../reveal, POST .../rotate), so a stolen session token alone
// never yields the secret.
export default function Credentials() {
  const { merchant } = useAuth();
  const [secret, setSecret] = useState(null);
  const [apiKey, setApiKey] = useState(null);
  const [info, setInfo] = useState(null); // overlap and rotation times, from the credentials
  const [asking, setAsking] = useState(null); // 'reveal' | 'rotate' | null: the password form shown
  const [rotated, setRotated] = useState(null);

  useEffect(() => {
    const controller = new AbortController();
    api.credentials({ signal: controller.signal }).then(
      (creds) => {
        setInfo(creds);
        if (creds.api_key) setApiKey(creds.api_key);
      },
      () => {}, // the overlap then shows its default; Reveal and Rotate report their own errors
    );
    return () => controller.abort();
  }, []);

  const overlapSeconds = info ? info.api_secret_overlap_seconds : DEFAULT_OVERLAP_SECONDS;
  const overlap = overlapText(overlapSeconds);

  const reveal = async (password) => {
    const creds = await api.revealCredentials(password);
    setSecret(creds.api_secret || '');
    if (creds.api_key) setApiKey(creds.api_key);
    setAsking(null);
  };

  const rotate = async (password) => {
    const answer = await api.rotateSecret(password);
    setSecret(answer.api_secret);
    setRotated(answer);
    setInfo((current) => ({ ...(current || {}), previous_secret_expires_at: answer.previous_secret_expires_at }));
    setAsking(null);
  };

  const key = apiKey || (merchant && merchant.api_key) || '';
  const previousUntil = rotated ? rotated.previous_secret_expires_at : info && info.previous_secret_expires_at;
  return (
    <section className="card" data-test-id="api-credentials" aria-labelledby="credentials-title">
      <h2 id="credentials-title">API credentials</h2>
      <p className="muted">
        Your server sends both with every API call. Keep the secret on the server: never put it in a web page or an app.
      </p>
      <dl className="fields">
        <div>
          <dt>Key ID</dt>
          <dd className="secret">
            <code data-test-id="api-key">{key || '—'}</code>
            <span className="secret-actions">
              <CopyButton text={key} testId="copy-api-key" disabled={!key} />
            </span>
          </dd>
        </div>
        <div>
          <dt>Key secret</dt>
          <dd>
            <SecretValue
              value={secret}
              testId="api-secret"
              label="API secret"
              busy={asking !== null}
              onReveal={() => setAsking('reveal')}
              onHide={() => setSecret(null)}
            />
          </dd>
        </div>
      </dl>
      {rotated ? (
        <Notice kind="success" testId="rotate-secret-done">
          New secret issued: copy it now, it is shown in full only while this page is open. The previous secret keeps
          working until {formatDateTime(rotated.previous_secret_expires_at)}: move your servers to the new one before
          then.
        </Notice>
      ) : previousUntil ? (
        <p className="hint" data-test-id="previous-secret-notice">
          The previous secret keeps working until {formatDateTime(previousUntil)}.
        </p>
      ) : null}
      {asking === 'reveal' ? (
        <PasswordStep
          testId="reveal"
          title="Enter your password to reveal the secret"
          action="Reveal"
          busyAction="Revealing…"
          onSubmit={reveal}
          onCancel={() => setAsking(null)}
        />
      ) : null}
      {asking === 'rotate' ? (
        <PasswordStep
          testId="rotate"
          title="Rotate the API secret?"
          action="Rotate secret"
          busyAction="Rotating…"
          danger
          onSubmit={rotate}
          onCancel={() => setAsking(null)}
        >
          <p data-test-id="rotate-secret-overlap">
            {overlapSeconds > 0
              ? `A new secret is issued and shown once. The current secret keeps working for ${overlap} after you rotate, then stops: update every server that uses it within ${overlap}.`
              : 'A new secret is issued and shown once. The current secret stops working at once.'}
          </p>
        </PasswordStep>
      ) : null}
      {asking === null ? (
        <div className="button-row">
          <button
            type="button"
            className="btn btn-danger"
            data-test-id="rotate-secret-button"
            onClick={() => setAsking('rotate')}
          >
            Rotate secret
          </button>
        </div>
      ) : null}
    </section>
  );
}

// The password asked again before a secret is shown or replaced; a wrong one is said so, and the
// form stays for another try.
function PasswordStep({ testId, title, action, busyAction, danger, onSubmit, onCancel, children }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const inputId = `${testId}-password`;

  const submit = async (event) => {
    event.preventDefault();
    if (!password) {
      setError('Enter your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(password);
    } catch (err) {
      setError(err.field === 'password' ? 'Incorrect password. Try again.' : err.message);
      setBusy(false);
    }
  };

  return (
    <form
      className="password-step"
      data-test-id={`${testId}-password-form`}
      onSubmit={submit}
      noValidate
      aria-labelledby={`${testId}-password-title`}
    >
      <h3 id={`${testId}-password-title`}>{title}</h3>
      {children}
      <label htmlFor={inputId}>Password</label>
      <input
        id={inputId}
        type="password"
        autoComplete="current-password"
        autoFocus
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${inputId}-error` : undefined}
        data-test-id={`${testId}-password-input`}
      />
      {error ? (
        <p
          id={`${inputId}-error`}
          className="notice notice-error"
          role="alert"
          data-test-id={`${testId}-password-error`}
        >
          {error}
        </p>
      ) : null}
      <div className="button-row">
        <button
          type="submit"
          className={danger ? 'btn btn-danger' : 'btn btn-primary'}
          disabled={busy}
          data-test-id={`${testId}-password-submit`}
        >
          {busy ? busyAction : action}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={onCancel}
          disabled={busy}
          data-test-id={`${testId}-password-cancel`}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
