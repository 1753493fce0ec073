import { useState } from 'react';
import { api } from '../api.js';
import { useAuth } from '../auth.jsx';
import CopyButton from './CopyButton.jsx';
import SecretValue from './SecretValue.jsx';
import { Notice } from './States.jsx';

// The API key in the clear, and the API secret behind Reveal (GET /api/v1/merchant/credentials).
export default function Credentials() {
  const { merchant } = useAuth();
  const [secret, setSecret] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [apiKey, setApiKey] = useState(null);

  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      const creds = await api.credentials();
      setSecret(creds.api_secret || '');
      if (creds.api_key) setApiKey(creds.api_key);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const key = apiKey || (merchant && merchant.api_key) || '';
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
              busy={busy}
              onReveal={reveal}
              onHide={() => setSecret(null)}
            />
          </dd>
        </div>
      </dl>
      {error ? (
        <Notice kind="error" testId="credentials-error">
          Could not reveal the secret: {error.message}
        </Notice>
      ) : null}
    </section>
  );
}
