import { Fragment, useState } from 'react';
import { api, idempotencyKey } from '../api.js';
import { useAuth } from '../auth.jsx';
import JustCreated from '../components/JustCreated.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { FirstPageLink, ListPagination } from '../components/Pagination.jsx';
import PollStatus from '../components/PollStatus.jsx';
import SecretValue from '../components/SecretValue.jsx';
import { Empty, ErrorState, Loading, Notice } from '../components/States.jsx';
import StatusBadge from '../components/StatusBadge.jsx';
import { formatDateTime, formatDuration, timeZoneName } from '../format.js';
import { useDocumentTitle, useResource } from '../hooks.js';
import { useLiveList } from '../live.js';
import { hrefWith, useCursorPages } from '../paging.js';
import { rememberCreated } from '../recent.js';
import { Link, useQuery, useRouter } from '../router.jsx';
import RefreshButton from '../components/RefreshButton.jsx';
import WebhookEndpoints from '../components/WebhookEndpoints.jsx';

export const EVENT_TYPES = [
  { type: 'payment.created', label: 'Payment created' },
  { type: 'payment.pending', label: 'Payment pending' },
  { type: 'payment.success', label: 'Payment succeeded' },
  { type: 'payment.failed', label: 'Payment failed' },
  { type: 'refund.created', label: 'Refund created' },
  { type: 'refund.processed', label: 'Refund processed' },
  { type: 'webhook.test', label: 'Test webhook' },
];
const LOG_LIMIT = 10;
const STATUSES = ['', 'pending', 'success', 'failed', 'skipped'];
const EVENTS = EVENT_TYPES.map((e) => e.type);
const ENDPOINT_ID = /^we_[A-Za-z0-9]{16}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

// A Date as a datetime-local input's value: the browser's local time, to the minute.
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function scheduledText(count) {
  return `${count} ${count === 1 ? 'delivery' : 'deliveries'} scheduled.`;
}

function isHttpUrl(value) {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && Boolean(url.hostname);
  } catch {
    return false;
  }
}

// The log's row for a test webhook just scheduled, until the log (or a read by id) has it.
function scheduledTestRow(answer) {
  return {
    id: answer.id,
    event: 'webhook.test',
    status: answer.status || 'pending',
    attempts: 0,
    created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    last_attempt_at: null,
    next_retry_at: null,
    response_code: null,
  };
}

function WebhookSettings() {
  const { setProfile } = useAuth();
  const profile = useResource((opts) => api.merchant(opts), []);
  // Unsaved edits ({url, events}), or null: then the form shows the saved settings.
  const [draft, setDraft] = useState(null);
  const [secret, setSecret] = useState(null);
  const [busy, setBusy] = useState(null); // 'save' | 'test' | 'secret' | 'reveal'
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);

  const saved = {
    url: (profile.data && profile.data.webhook_url) || '',
    events: (profile.data && profile.data.webhook_events) || EVENT_TYPES.map((e) => e.type),
  };
  const { url, events } = draft || saved;
  const dirty = draft !== null;
  const edit = (change) => setDraft((current) => ({ ...(current || saved), ...change(current || saved) }));

  const run = async (what, action) => {
    setBusy(what);
    setError(null);
    setMessage(null);
    try {
      await action();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(null);
    }
  };

  const save = (event) => {
    event.preventDefault();
    const trimmed = url.trim();
    if (trimmed && !isHttpUrl(trimmed)) {
      setError('Enter an absolute http:// or https:// URL, or leave it empty to stop deliveries.');
      return;
    }
    if (trimmed && events.length === 0) {
      setError('Choose at least one event, or clear the URL to stop deliveries.');
      return;
    }
    run('save', async () => {
      const updated = await api.saveWebhook(trimmed || null, events);
      profile.setData(updated);
      setProfile(updated);
      setDraft(null);
      setMessage(
        trimmed
          ? 'Webhook settings saved. New events go to this URL.'
          : 'Webhook URL cleared: deliveries are logged as skipped.',
      );
    });
  };

  const regenerate = () =>
    run('secret', async () => {
      const answer = await api.regenerateSecret();
      setSecret(answer.webhook_secret);
      profile.setData((data) => (data ? { ...data, webhook_secret_set: true } : data));
      const until = answer.previous_secret_expires_at ? formatDateTime(answer.previous_secret_expires_at) : null;
      setMessage(
        until
          ? `New webhook secret generated. The previous one keeps signing until ${until}: update your receiver before then.`
          : 'New webhook secret generated. Deliveries are signed with it from now on: update your receiver.',
      );
    });

  const reveal = () =>
    run('reveal', async () => {
      const creds = await api.credentials();
      setSecret(creds.webhook_secret || '');
    });

  const sendTest = () =>
    run('test', async () => {
      const answer = await api.sendTestWebhook();
      setMessage(`Test webhook scheduled (${answer.id}). It appears in the delivery log below.`);
      // Shown in the log at once, whatever the log's index says yet; then read by id.
      rememberCreated('webhook', scheduledTestRow(answer));
      api.webhook(answer.id).then(
        (row) => rememberCreated('webhook', row),
        () => {}, // not readable yet: the log shows the scheduled row, and polls it
      );
    });

  const toggle = (type) => {
    edit(({ events: list }) => ({
      events: list.includes(type) ? list.filter((t) => t !== type) : [...list, type],
    }));
  };

  return (
    <section className="card" data-test-id="webhook-config" aria-labelledby="webhook-config-title">
      <h2 id="webhook-config-title">Settings</h2>
      {profile.loading && !profile.data ? <Loading label="Loading webhook settings…" /> : null}
      {profile.error && !profile.data ? (
        <ErrorState error={profile.error} onRetry={profile.reload} title="Could not load settings" />
      ) : null}
      {profile.data ? (
        <form data-test-id="webhook-config-form" onSubmit={save} noValidate>
          <label htmlFor="webhook-url">Webhook URL</label>
          <input
            id="webhook-url"
            type="url"
            inputMode="url"
            placeholder="https://example.com/webhooks/payments"
            data-test-id="webhook-url-input"
            value={url}
            onChange={(e) => {
              const value = e.target.value;
              edit(() => ({ url: value }));
            }}
            aria-describedby="webhook-url-hint"
          />
          <p id="webhook-url-hint" className="hint">
            Events are POSTed here as JSON. Leave it empty to stop deliveries.
          </p>
          <fieldset className="events" data-test-id="webhook-events">
            <legend>Events</legend>
            <div className="checkbox-grid">
              {EVENT_TYPES.map((e) => (
                <label key={e.type}>
                  <input
                    type="checkbox"
                    value={e.type}
                    checked={events.includes(e.type)}
                    onChange={() => toggle(e.type)}
                    data-test-id="webhook-event-option"
                  />
                  <span>
                    {e.label} <code className="small">{e.type}</code>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="field-block">
            <span className="label">Signing secret</span>
            <SecretValue
              value={secret}
              testId="webhook-secret"
              label="Webhook signing secret"
              busy={busy === 'reveal'}
              onReveal={reveal}
              onHide={() => setSecret(null)}
            />
            {!profile.data.webhook_secret_set && secret === null ? (
              <p className="hint">No secret set yet: regenerate one.</p>
            ) : null}
          </div>
          {message ? (
            <Notice kind="success" testId="webhook-message">
              {message}
            </Notice>
          ) : null}
          {error ? (
            <Notice kind="error" testId="webhook-error">
              {error}
            </Notice>
          ) : null}
          <div className="button-row">
            <button
              type="submit"
              className="btn btn-primary"
              data-test-id="save-webhook-button"
              disabled={busy !== null}
            >
              {busy === 'save' ? 'Saving…' : 'Save'}
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              data-test-id="test-webhook-button"
              onClick={sendTest}
              disabled={busy !== null}
            >
              {busy === 'test' ? 'Sending…' : 'Send test webhook'}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              data-test-id="regenerate-secret-button"
              onClick={regenerate}
              disabled={busy !== null}
            >
              {busy === 'secret' ? 'Regenerating…' : 'Regenerate secret'}
            </button>
          </div>
          {dirty ? <p className="hint">Unsaved changes: the test webhook goes to the saved URL.</p> : null}
        </form>
      ) : null}
    </section>
  );
}

function AttemptLog({ delivery, onEndpoint }) {
  const version = `${delivery.id}:${delivery.status}:${delivery.attempts}:${delivery.last_attempt_at}`;
  const detail = useResource((opts) => api.webhook(delivery.id, opts), [version]);
  const d = detail.data;
  if (detail.loading && !d) return <Loading label="Loading attempts…" />;
  if (detail.error && !d)
    return <ErrorState error={detail.error} onRetry={detail.reload} title="Could not load attempts" />;
  const attempts = d.attempt_log || [];
  return (
    <div className="attempts" data-test-id="webhook-attempts-detail" data-delivery-id={d.id}>
      <dl className="fields fields-inline">
        <div>
          <dt>Event ID</dt>
          <dd>
            <code data-test-id="webhook-event-id">{d.event_id || d.id}</code>
          </dd>
        </div>
        {d.endpoint_id ? (
          <div>
            <dt>Endpoint ID</dt>
            <dd>
              <code>{d.endpoint_id}</code>{' '}
              {onEndpoint ? (
                <button
                  type="button"
                  className="link-button small"
                  data-test-id="webhook-endpoint-id-filter"
                  onClick={() => onEndpoint(d.endpoint_id)}
                >
                  Show only this endpoint
                </button>
              ) : null}
            </dd>
          </div>
        ) : null}
        {d.event_id && d.event_id !== d.id ? (
          <div>
            <dt>Delivery ID</dt>
            <dd>
              <code>{d.id}</code>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(d.created_at)}</dd>
        </div>
        {d.next_retry_at && d.status === 'pending' ? (
          <div>
            <dt>Next retry</dt>
            <dd data-test-id="webhook-next-retry">{formatDateTime(d.next_retry_at)}</dd>
          </div>
        ) : null}
        {d.skip_reason ? (
          <div>
            <dt>Skipped</dt>
            <dd data-test-id="webhook-skip-reason">{d.skip_reason}</dd>
          </div>
        ) : null}
      </dl>
      <h3>
        Attempts{' '}
        <span className="muted" data-test-id="webhook-attempt-count">
          ({attempts.length})
        </span>
      </h3>
      {d.earlier_attempts > 0 ? (
        <p className="muted" data-test-id="webhook-earlier-attempts">
          {d.earlier_attempts} earlier {d.earlier_attempts === 1 ? 'attempt' : 'attempts'} not kept (the log keeps the
          latest {attempts.length}).
        </p>
      ) : null}
      {attempts.length === 0 ? (
        <Empty title="No attempts yet">
          {d.status === 'skipped' ? 'This event was not sent.' : 'The first attempt is on its way.'}
        </Empty>
      ) : (
        <ol className="attempt-list" data-test-id="webhook-attempt-list">
          {attempts.map((a, i) => (
            <li
              key={`${a.number}-${a.at}-${i}`}
              className="attempt"
              data-test-id="webhook-attempt"
              data-number={a.number}
            >
              {i > 0 && a.number <= attempts[i - 1].number ? (
                <div className="attempt-retry" data-test-id="attempt-manual-retry">
                  Manual retry: attempts counted again from 1
                </div>
              ) : null}
              <div className="attempt-head">
                <strong>#{a.number}</strong>
                <span className="nowrap">{formatDateTime(a.at)}</span>
                <span>
                  Response: <code data-test-id="attempt-response-code">{a.response_code ?? 'none'}</code>
                </span>
                <span>
                  Duration: <span data-test-id="attempt-duration">{formatDuration(a.duration_ms)}</span>
                </span>
                {a.chaos ? (
                  <span className="badge" data-test-id="attempt-chaos" title="Chaos mode did this on purpose">
                    chaos: {a.chaos}
                  </span>
                ) : null}
              </div>
              <div className="small mono wrap" data-test-id="attempt-url">
                {a.url}
              </div>
              {a.error ? (
                <div className="attempt-error" data-test-id="attempt-error">
                  Error: {a.error}
                </div>
              ) : null}
              {a.response_body ? (
                <pre className="attempt-body" data-test-id="attempt-body">
                  {a.response_body}
                </pre>
              ) : (
                <div className="muted small">No response body</div>
              )}
            </li>
          ))}
        </ol>
      )}
      {d.payload ? (
        <details className="payload">
          <summary>Payload</summary>
          <pre data-test-id="webhook-payload">
            {typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload, null, 2)}
          </pre>
        </details>
      ) : null}
    </div>
  );
}

// The payment or refund an event is about, linked to the payment's page (a refund shows there).
function DeliverySubject({ delivery }) {
  if (!delivery.entity_id) return <span className="muted small">test event</span>;
  const label = delivery.entity === 'refund' ? 'Refund' : 'Payment';
  const id = <code>{delivery.entity_id}</code>;
  if (!delivery.payment_id) {
    return (
      <span className="small">
        {label} {id}
      </span>
    );
  }
  return (
    <Link
      to={`/payments/${encodeURIComponent(delivery.payment_id)}`}
      className="small"
      data-test-id="webhook-entity-link"
      onClick={(e) => e.stopPropagation()}
    >
      {label} {id}
    </Link>
  );
}

// Replays every delivery created in [since, until) that matches, under one Idempotency-Key per
// attempt of the form: a double submit or a retried request schedules them once.
// `missedSince` (an ISO time): opened to deliver what an endpoint missed since then, as the link
// `/webhooks?endpoint_id=we_…&replay_since=…` does (for an endpoint just enabled again): every
// status, so that the events it never received are included.
function ReplayForm({ endpointId, missedSince, onClose, onDone }) {
  const [since, setSince] = useState(() => localInputValue(missedSince || new Date(Date.now() - DAY_MS)));
  const [until, setUntil] = useState('');
  const [status, setStatus] = useState(missedSince ? '' : 'failed');
  const [event, setEvent] = useState('');
  const [endpoint, setEndpoint] = useState(endpointId || '');
  const [key, setKey] = useState(() => idempotencyKey());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  const submit = async (e) => {
    e.preventDefault();
    const from = new Date(since);
    const to = until ? new Date(until) : null;
    if (!since || Number.isNaN(from.getTime())) {
      setError('Enter when the replay starts (since).');
      return;
    }
    if (to && !(to > from)) {
      setError('"Until" must be after "since".');
      return;
    }
    if (endpoint.trim() && !ENDPOINT_ID.test(endpoint.trim())) {
      setError('An endpoint ID looks like we_ followed by 16 letters or digits.');
      return;
    }
    const body = { since: from.toISOString() };
    if (to) body.until = to.toISOString();
    if (status) body.status = status;
    if (event) body.event = event;
    if (endpoint.trim()) body.endpoint_id = endpoint.trim();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.replayWebhooks(body, key);
      setKey(idempotencyKey());
      onDone(answer.count);
    } catch (err) {
      setError(err.message);
      // A refused request may be corrected and sent again: under a new key. A 5xx or 409 keeps
      // its key, so that trying again cannot schedule twice.
      if (err.status && err.status < 500 && err.status !== 409) setKey(idempotencyKey());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="replay-form" data-test-id="webhook-replay-form" onSubmit={submit} noValidate>
      <p className="hint">
        Delivers again every delivery created in this time range that matches, with its original webhook-id and body.
        With an endpoint, the events it missed are delivered to it too.
      </p>
      <div className="filters">
        <label className="inline-label" htmlFor="replay-since">
          Since
        </label>
        <input
          id="replay-since"
          type="datetime-local"
          data-test-id="replay-since"
          value={since}
          onChange={(e) => setSince(e.target.value)}
          required
        />
        <label className="inline-label" htmlFor="replay-until">
          Until
        </label>
        <input
          id="replay-until"
          type="datetime-local"
          data-test-id="replay-until"
          value={until}
          onChange={(e) => setUntil(e.target.value)}
          aria-describedby="replay-until-hint"
        />
        <span id="replay-until-hint" className="muted small">
          empty: now
        </span>
        <label className="inline-label" htmlFor="replay-status">
          Status
        </label>
        <select
          id="replay-status"
          data-test-id="replay-status"
          value={status}
          onChange={(e) => setStatus(e.target.value)}
        >
          <option value="">All</option>
          {STATUSES.filter(Boolean).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label className="inline-label" htmlFor="replay-event">
          Event
        </label>
        <select id="replay-event" data-test-id="replay-event" value={event} onChange={(e) => setEvent(e.target.value)}>
          <option value="">All</option>
          {EVENTS.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
        <label className="inline-label" htmlFor="replay-endpoint">
          Endpoint ID
        </label>
        <input
          id="replay-endpoint"
          type="text"
          className="mono"
          placeholder="all endpoints"
          data-test-id="replay-endpoint"
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
        />
      </div>
      {error ? (
        <Notice kind="error" testId="replay-error">
          {error}
        </Notice>
      ) : null}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" data-test-id="replay-submit" disabled={busy}>
          {busy ? 'Scheduling…' : 'Replay deliveries'}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeliveryLog() {
  const query = useQuery();
  const { location, navigate } = useRouter();
  const status = STATUSES.includes(query.get('status') || '') ? query.get('status') || '' : '';
  const event = EVENTS.includes(query.get('event') || '') ? query.get('event') : '';
  const endpointId = ENDPOINT_ID.test(query.get('endpoint_id') || '') ? query.get('endpoint_id') : '';
  const pages = useCursorPages();
  const [open, setOpen] = useState(null);
  const missedFrom = new Date(query.get('replay_since') || '');
  const missedSince = Number.isNaN(missedFrom.getTime()) ? null : missedFrom;
  const [replaying, setReplaying] = useState(missedSince !== null);
  const [retrying, setRetrying] = useState(null);
  const [notice, setNotice] = useState(null);
  const log = useLiveList({
    load: (opts) =>
      api.webhooks({ status, event, endpoint_id: endpointId, limit: LOG_LIMIT, cursor: pages.cursor }, opts),
    deps: [status, event, endpointId, pages.key],
    fetchOne: (id, opts) => api.webhook(id, opts),
    created: {
      kind: 'webhook',
      accept: (row) =>
        (!status || row.status === status) &&
        (!event || row.event === event) &&
        (!endpointId || row.endpoint_id === endpointId),
    },
    firstPage: pages.depth === 0,
    meta: { depth: pages.depth },
  });
  const rows = log.rows;
  // A filter change starts again from the first page: a cursor belongs to its filters.
  const setFilter = (change) => navigate(hrefWith(location, change));

  const retry = async (row) => {
    setRetrying(row.id);
    setNotice(null);
    try {
      const answer = await api.retryWebhook(row.id);
      setNotice({ kind: 'success', text: `Retry scheduled for ${row.id}.` });
      // Pending again: polled by id from now, the backoff started over.
      log.patch({ ...row, status: answer.status || 'pending' });
    } catch (err) {
      setNotice({ kind: 'error', text: `Could not retry ${row.id}: ${err.message}` });
    } finally {
      setRetrying(null);
    }
  };

  const toggle = (id) => setOpen((current) => (current === id ? null : id));

  const replayed = (count) => {
    setReplaying(false);
    setNotice({ kind: 'success', text: scheduledText(count) });
    log.reload();
  };

  return (
    <section className="card card-flush" aria-labelledby="log-title" aria-busy={log.stale}>
      <div className="card-head">
        <h2 id="log-title">Delivery log</h2>
        <div className="filters">
          <label className="inline-label" htmlFor="log-status">
            Status
          </label>
          <select
            id="log-status"
            data-test-id="webhook-status-filter"
            value={status}
            onChange={(e) => setFilter({ status: e.target.value })}
          >
            <option value="">All</option>
            {/* The labels are the statuses the rows' badges show. */}
            {STATUSES.filter(Boolean).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label className="inline-label" htmlFor="log-event">
            Event
          </label>
          <select
            id="log-event"
            data-test-id="webhook-event-filter"
            value={event}
            onChange={(e) => setFilter({ event: e.target.value })}
          >
            <option value="">All</option>
            {EVENT_TYPES.map((e) => (
              <option key={e.type} value={e.type}>
                {e.type}
              </option>
            ))}
          </select>
          <label className="inline-label" htmlFor="log-endpoint">
            Endpoint ID
          </label>
          <input
            id="log-endpoint"
            key={endpointId}
            type="text"
            className="mono"
            placeholder="all endpoints"
            data-test-id="webhook-endpoint-filter"
            defaultValue={endpointId}
            onChange={(e) => {
              // Applied once it is a whole id (or cleared): a partial id would match nothing.
              const value = e.target.value.trim();
              if (!value || ENDPOINT_ID.test(value)) setFilter({ endpoint_id: value });
            }}
          />
          <RefreshButton source={log} testId="refresh-webhook-logs" />
          <button
            type="button"
            className="btn btn-secondary"
            data-test-id="replay-webhooks-button"
            aria-expanded={replaying}
            onClick={() => setReplaying((shown) => !shown)}
          >
            Replay…
          </button>
        </div>
      </div>
      {replaying ? (
        <ReplayForm
          endpointId={endpointId}
          missedSince={missedSince}
          onClose={() => setReplaying(false)}
          onDone={replayed}
        />
      ) : null}
      {notice ? (
        <Notice kind={notice.kind} testId="webhook-log-notice">
          {notice.text}
        </Notice>
      ) : null}
      {log.loading && !log.page ? <Loading label="Loading deliveries…" /> : null}
      {log.error && !log.page ? (
        <ErrorState error={log.error} onRetry={log.reload} title="Could not load the delivery log" />
      ) : null}
      {log.error && pages.depth > 0 ? <FirstPageLink onFirst={pages.first} /> : null}
      {log.page ? (
        <>
          <JustCreated ids={log.localIds} noun="delivery" plural="deliveries" />
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Webhook deliveries">
            <table className="table" data-test-id="webhook-logs-table">
              <caption className="sr-only">
                Webhook deliveries, newest first. Select a row to see its attempts. Times in {timeZoneName()}.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">About</th>
                  <th scope="col">Status</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Endpoint ID</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Response</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <Fragment key={r.id}>
                    <tr
                      data-test-id="webhook-log-item"
                      data-delivery-id={r.id}
                      data-status={r.status}
                      data-just-created={log.localIds.includes(r.id) ? 'true' : undefined}
                      className={`clickable${open === r.id ? ' open' : ''}${log.localIds.includes(r.id) ? ' just-created' : ''}`}
                      onClick={(e) => {
                        // The whole row opens it for a pointer; the button in its first cell is
                        // what keyboards and assistive technology use (a row cannot be expanded).
                        if (!e.target.closest('button')) toggle(r.id);
                      }}
                    >
                      <td className="event-cell">
                        <button
                          type="button"
                          className="disclosure"
                          aria-expanded={open === r.id}
                          aria-controls={open === r.id ? `attempts-${r.id}` : undefined}
                          onClick={() => toggle(r.id)}
                        >
                          <span className="chevron" aria-hidden="true">
                            {open === r.id ? '▾' : '▸'}
                          </span>{' '}
                          <code data-test-id="webhook-event">{r.event}</code>
                        </button>
                        {log.localIds.includes(r.id) ? <span className="badge badge-info">new</span> : null}
                      </td>
                      <td data-test-id="webhook-entity">
                        <DeliverySubject delivery={r} />
                      </td>
                      <td>
                        <StatusBadge status={r.status} testId="webhook-status" />
                      </td>
                      <td className="endpoint-cell" data-test-id="webhook-endpoint">
                        {r.endpoint ? (
                          <span className="mono small wrap" title={r.endpoint}>
                            {r.endpoint}
                          </span>
                        ) : (
                          <span className="muted small">not attempted yet</span>
                        )}
                      </td>
                      <td data-test-id="webhook-endpoint-id">
                        {r.endpoint_id ? (
                          <span className="mono small">{r.endpoint_id}</span>
                        ) : (
                          <span className="muted small">—</span>
                        )}
                      </td>
                      <td className="num" data-test-id="webhook-attempts">
                        {r.attempts ?? 0}
                      </td>
                      <td className="nowrap" data-test-id="webhook-last-attempt">
                        {formatDateTime(r.last_attempt_at)}
                      </td>
                      <td data-test-id="webhook-response-code">{r.response_code ?? '—'}</td>
                      <td className="nowrap">{formatDateTime(r.created_at)}</td>
                      <td className="actions">
                        <button
                          type="button"
                          className="btn btn-secondary btn-small"
                          data-test-id="retry-webhook-button"
                          onClick={() => retry(r)}
                          disabled={retrying === r.id}
                        >
                          {retrying === r.id ? 'Retrying…' : 'Retry'}
                        </button>
                      </td>
                    </tr>
                    {open === r.id ? (
                      <tr className="detail-row" id={`attempts-${r.id}`}>
                        <td colSpan={10}>
                          <AttemptLog
                            delivery={r}
                            onEndpoint={endpointId ? null : (id) => setFilter({ endpoint_id: id })}
                          />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length === 0 ? (
            pages.depth > 0 ? (
              <Empty title="Nothing on this page">Deliveries may have moved: go back to the first page.</Empty>
            ) : (
              <Empty
                title={
                  status || event || endpointId ? 'No deliveries match these filters' : 'No webhook deliveries yet'
                }
              >
                {status || event || endpointId
                  ? null
                  : 'Send a test webhook, or take a payment, to see deliveries here.'}
              </Empty>
            )
          ) : null}
          {log.error ? <ErrorState error={log.error} onRetry={log.reload} title="Could not refresh" /> : null}
          <PollStatus poll={log.poll} pending={log.pending} noun="delivery" plural="deliveries" />
          <ListPagination list={log} rows={rows} limit={LOG_LIMIT} pages={pages} />
        </>
      ) : null}
    </section>
  );
}

export default function Webhooks() {
  useDocumentTitle('Webhooks');
  return (
    <div className="page" data-test-id="webhooks-page">
      <PageHeader title="Webhooks" />
      <WebhookSettings />
      <WebhookEndpoints />
      <DeliveryLog />
    </div>
  );
}
