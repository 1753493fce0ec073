import { useState } from 'react';
import { request } from '../api.js';
import { formatDateTime } from '../format.js';
import { useResource } from '../hooks.js';
import SecretValue from './SecretValue.jsx';
import { Empty, ErrorState, Loading, Notice } from './States.jsx';

// What an endpoint may subscribe to: the event types, and the notice that another endpoint stopped.
export const ENDPOINT_EVENTS = [
  'payment.created',
  'payment.pending',
  'payment.success',
  'payment.failed',
  'refund.created',
  'refund.processed',
  'webhook.test',
  'endpoint.disabled',
];
const MAX_ENDPOINTS = 10;
const REASONS = {
  disabled_by_merchant: 'Disabled by you',
  gone: 'The receiver answered 410 Gone',
  failing: 'Every attempt failed for too long',
};

const base = '/api/v1/webhook-endpoints';
const one = (id) => `${base}/${encodeURIComponent(id)}`;
const endpointsApi = {
  list: (opts) => request(base, opts),
  create: (body) => request(base, { method: 'POST', body }),
  update: (id, body) => request(one(id), { method: 'PATCH', body }),
  remove: (id) => request(one(id), { method: 'DELETE' }),
  rotate: (id) => request(`${one(id)}/rotate-secret`, { method: 'POST', body: {} }),
  promote: (id) => request(`${one(id)}/promote-secret`, { method: 'POST' }),
  check: (id) => request(`${one(id)}/check`, { method: 'POST' }),
  replay: (since, endpointId) =>
    request('/api/v1/webhooks/replay', { method: 'POST', body: { since, endpoint_id: endpointId } }),
};

// The event filter: every event (null), or the chosen ones.
function EventsPicker({ value, onChange, idPrefix }) {
  const all = value === null;
  const toggle = (type) => {
    const list = value || [];
    onChange(list.includes(type) ? list.filter((t) => t !== type) : [...list, type]);
  };
  return (
    <fieldset className="events" data-test-id="endpoint-events">
      <legend>Events</legend>
      <label>
        <input
          type="checkbox"
          checked={all}
          onChange={() => onChange(all ? [] : null)}
          data-test-id="endpoint-all-events"
          id={`${idPrefix}-all`}
        />
        <span>Every event</span>
      </label>
      {all ? null : (
        <div className="checkbox-grid">
          {ENDPOINT_EVENTS.map((type) => (
            <label key={type}>
              <input
                type="checkbox"
                value={type}
                checked={value.includes(type)}
                onChange={() => toggle(type)}
                data-test-id="endpoint-event-option"
              />
              <span>
                <code className="small">{type}</code>
              </span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function EndpointForm({ initial, submitLabel, busy, onSubmit, onCancel, idPrefix }) {
  const [url, setUrl] = useState(initial.url || '');
  const [description, setDescription] = useState(initial.description || '');
  const [events, setEvents] = useState(initial.events === undefined ? null : initial.events);
  const [problem, setProblem] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    if (events !== null && events.length === 0) {
      setProblem('Choose at least one event, or every event.');
      return;
    }
    setProblem(null);
    onSubmit({ url: url.trim(), description, events });
  };
  return (
    <form onSubmit={submit} noValidate data-test-id={`${idPrefix}-form`}>
      <label htmlFor={`${idPrefix}-url`}>Endpoint URL</label>
      <input
        id={`${idPrefix}-url`}
        type="url"
        inputMode="url"
        placeholder="https://example.com/webhooks"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        data-test-id="endpoint-url-input"
      />
      <label htmlFor={`${idPrefix}-description`}>Description</label>
      <input
        id={`${idPrefix}-description`}
        type="text"
        value={description}
        maxLength={500}
        onChange={(e) => setDescription(e.target.value)}
        data-test-id="endpoint-description-input"
      />
      <EventsPicker value={events} onChange={setEvents} idPrefix={idPrefix} />
      {problem ? (
        <Notice kind="error" testId="endpoint-form-error">
          {problem}
        </Notice>
      ) : null}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={busy} data-test-id={`${idPrefix}-submit`}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

// The receiver self-check's cases (POST /api/v1/webhook-endpoints/{id}/check), as a merchant reads them.
const CHECK_CASES = {
  valid: 'A valid, signed event',
  duplicate: 'The same event again (same webhook-id)',
  tampered_body: 'A body changed after signing',
  wrong_signature: 'Signed with another secret',
  no_signature: 'No signature headers',
  stale_timestamp: 'Signed 10 minutes ago',
};

function CheckReport({ report, onDone }) {
  return (
    <Notice kind={report.passed ? 'success' : 'error'} testId="endpoint-check-report">
      <p data-test-id="endpoint-check-verdict">
        {report.passed
          ? 'Your receiver passed: it accepted the valid event and its duplicate, and refused every forgery.'
          : 'Your receiver failed the check: see the cases marked Failed.'}
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Should be</th>
            <th scope="col">Answer</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.results.map((line) => (
            <tr key={line.case} data-test-id="endpoint-check-case" data-case={line.case}>
              <td>{CHECK_CASES[line.case] || line.case}</td>
              <td>{line.expected === 'accept' ? 'Accepted (2xx)' : 'Refused'}</td>
              <td>{line.status === null ? line.error || 'No answer' : `HTTP ${line.status}`}</td>
              <td>
                <span
                  className={line.passed ? 'badge badge-success' : 'badge badge-danger'}
                  data-test-id="endpoint-check-result"
                >
                  {line.passed ? 'Passed' : 'Failed'}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="btn btn-secondary btn-small" onClick={onDone} data-test-id="endpoint-check-done">
        Close report
      </button>
    </Notice>
  );
}

// A secret the API shows once: creation or rotation.
function ShownOnce({ shown, onDone }) {
  return (
    <Notice kind="success" testId="endpoint-secret-once">
      <p>
        {shown.rotated ? 'New signing secret' : 'Signing secret'} for <code>{shown.url}</code>, shown this once: copy it
        now.
      </p>
      <SecretValue value={shown.secret} testId="endpoint-secret" label="Endpoint signing secret" />
      {shown.overlapEnds ? (
        <p data-test-id="endpoint-overlap-end">
          The previous secret keeps signing until {formatDateTime(shown.overlapEnds)}. Until you promote the new one,
          X-Webhook-Signature keeps the previous secret and X-Webhook-Signature-New carries the new one.
        </p>
      ) : null}
      <button
        type="button"
        className="btn btn-secondary btn-small"
        onClick={onDone}
        data-test-id="endpoint-secret-done"
      >
        Done
      </button>
    </Notice>
  );
}

function EndpointRow({ endpoint, onChanged, setShown, setMessage, setError }) {
  const [mode, setMode] = useState(null); // 'edit' | 'delete'
  const [busy, setBusy] = useState(false);
  const [missedSince, setMissedSince] = useState(null);
  const [report, setReport] = useState(null);
  const run = async (action) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await action();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const save = (fields) =>
    run(async () => {
      await endpointsApi.update(endpoint.id, fields);
      setMode(null);
      setMessage('Endpoint saved.');
      onChanged();
    });
  const setEnabled = (enabled) =>
    run(async () => {
      const answer = await endpointsApi.update(endpoint.id, { enabled });
      setMissedSince(enabled ? answer.missed_since : null);
      setMessage(enabled ? 'Endpoint re-enabled: new events go to it again.' : 'Endpoint disabled.');
      onChanged();
    });
  const replay = () =>
    run(async () => {
      const answer = await endpointsApi.replay(missedSince, endpoint.id);
      setMissedSince(null);
      setMessage(`Replaying ${answer.count} deliveries it missed.`);
    });
  const rotate = () =>
    run(async () => {
      const answer = await endpointsApi.rotate(endpoint.id);
      setShown({
        secret: answer.secret,
        url: answer.url,
        rotated: true,
        overlapEnds: answer.previous_secret_expires_at,
      });
      onChanged();
    });
  const promote = () =>
    run(async () => {
      await endpointsApi.promote(endpoint.id);
      setMessage('New secret promoted: X-Webhook-Signature uses it now.');
      onChanged();
    });
  const check = () =>
    run(async () => {
      setReport(null);
      setReport(await endpointsApi.check(endpoint.id));
    });
  const remove = () =>
    run(async () => {
      await endpointsApi.remove(endpoint.id);
      setMessage('Endpoint deleted.');
      onChanged();
    });

  return (
    <li className="endpoint" data-test-id="endpoint-row" data-endpoint-id={endpoint.id}>
      <div>
        <code data-test-id="endpoint-url">{endpoint.url || '(no URL)'}</code>
        {endpoint.is_default ? <span className="badge">default</span> : null}{' '}
        <span className={endpoint.enabled ? 'badge badge-success' : 'badge badge-danger'} data-test-id="endpoint-state">
          {endpoint.enabled ? 'Enabled' : 'Disabled'}
        </span>
      </div>
      {endpoint.chaos ? (
        <p className="hint" data-test-id="endpoint-chaos">
          Chaos mode: duplicate {endpoint.chaos.duplicate}, reorder {endpoint.chaos.reorder}, delay{' '}
          {endpoint.chaos.delay} ({endpoint.chaos.delay_seconds} s), crash {endpoint.chaos.crash}
        </p>
      ) : null}
      {endpoint.description ? <p data-test-id="endpoint-description">{endpoint.description}</p> : null}
      <p className="hint" data-test-id="endpoint-events-shown">
        {endpoint.events ? endpoint.events.join(', ') : 'Every event'}
      </p>
      {!endpoint.enabled ? (
        <p data-test-id="endpoint-disabled-reason">
          {REASONS[endpoint.disabled_reason] || endpoint.disabled_reason}
          {endpoint.disabled_at ? ` since ${formatDateTime(endpoint.disabled_at)}` : ''}
        </p>
      ) : null}
      {endpoint.previous_secret_expires_at ? (
        <p className="hint" data-test-id="endpoint-overlap">
          Previous secret signs until {formatDateTime(endpoint.previous_secret_expires_at)}
          {endpoint.secret_promoted ? ' (new secret promoted)' : ''}.
        </p>
      ) : null}
      {missedSince ? (
        <Notice kind="info" testId="endpoint-replay-offer">
          It missed the events since {formatDateTime(missedSince)}.{' '}
          <button
            type="button"
            className="btn btn-primary btn-small"
            onClick={replay}
            disabled={busy}
            data-test-id="endpoint-replay"
          >
            Replay what it missed
          </button>
        </Notice>
      ) : null}
      {report ? <CheckReport report={report} onDone={() => setReport(null)} /> : null}
      {mode === 'edit' ? (
        <EndpointForm
          initial={endpoint}
          submitLabel="Save endpoint"
          busy={busy}
          onSubmit={save}
          onCancel={() => setMode(null)}
          idPrefix={`edit-${endpoint.id}`}
        />
      ) : null}
      {mode === 'delete' ? (
        <div className="button-row">
          <span>Delete this endpoint? It stops receiving events at once.</span>
          <button
            type="button"
            className="btn btn-danger"
            onClick={remove}
            disabled={busy}
            data-test-id="endpoint-delete-confirm"
          >
            Delete endpoint
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => setMode(null)} disabled={busy}>
            Keep it
          </button>
        </div>
      ) : null}
      {mode === null ? (
        <div className="button-row">
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={() => setMode('edit')}
            disabled={busy}
            data-test-id="endpoint-edit"
          >
            Edit
          </button>
          {endpoint.enabled ? (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => setEnabled(false)}
              disabled={busy}
              data-test-id="endpoint-disable"
            >
              Disable
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary btn-small"
              onClick={() => setEnabled(true)}
              disabled={busy}
              data-test-id="endpoint-enable"
            >
              Re-enable
            </button>
          )}
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={rotate}
            disabled={busy}
            data-test-id="endpoint-rotate"
          >
            Rotate secret
          </button>
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={check}
            disabled={busy || !endpoint.url}
            data-test-id="endpoint-check"
          >
            Check receiver
          </button>
          {endpoint.previous_secret_expires_at && !endpoint.secret_promoted ? (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={promote}
              disabled={busy}
              data-test-id="endpoint-promote"
            >
              Promote new secret
            </button>
          ) : null}
          {endpoint.is_default ? null : (
            <button
              type="button"
              className="btn btn-danger btn-small"
              onClick={() => setMode('delete')}
              disabled={busy}
              data-test-id="endpoint-delete"
            >
              Delete
            </button>
          )}
        </div>
      ) : null}
    </li>
  );
}

export default function WebhookEndpoints() {
  const list = useResource((opts) => endpointsApi.list(opts), []);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const items = (list.data && list.data.items) || [];

  const create = async ({ url, description, events }) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const body = { url, description };
      if (events !== null) body.events = events;
      const answer = await endpointsApi.create(body);
      setShown({ secret: answer.secret, url: answer.url });
      setCreating(false);
      list.reload();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" data-test-id="webhook-endpoints" aria-labelledby="webhook-endpoints-title">
      <h2 id="webhook-endpoints-title">Endpoints</h2>
      <p className="hint">
        Up to {MAX_ENDPOINTS} receivers, each with its own events and signing secret. The default endpoint is the
        webhook URL above.
      </p>
      {list.loading && !list.data ? <Loading label="Loading endpoints…" /> : null}
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load endpoints" />
      ) : null}
      {shown ? <ShownOnce shown={shown} onDone={() => setShown(null)} /> : null}
      {message ? (
        <Notice kind="success" testId="endpoints-message">
          {message}
        </Notice>
      ) : null}
      {error ? (
        <Notice kind="error" testId="endpoints-error">
          {error}
        </Notice>
      ) : null}
      {list.data && items.length === 0 ? <Empty title="No endpoints yet" /> : null}
      <ul className="endpoint-list" data-test-id="endpoint-list">
        {items.map((endpoint) => (
          <EndpointRow
            key={endpoint.id}
            endpoint={endpoint}
            onChanged={list.reload}
            setShown={setShown}
            setMessage={setMessage}
            setError={setError}
          />
        ))}
      </ul>
      {creating ? (
        <EndpointForm
          initial={{ url: '', description: '', events: null }}
          submitLabel="Add endpoint"
          busy={busy}
          onSubmit={create}
          onCancel={() => setCreating(false)}
          idPrefix="new-endpoint"
        />
      ) : (
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => setCreating(true)}
          disabled={items.length >= MAX_ENDPOINTS}
          data-test-id="endpoint-add"
        >
          Add endpoint
        </button>
      )}
    </section>
  );
}
