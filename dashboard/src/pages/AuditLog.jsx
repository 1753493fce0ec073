import { api } from '../api.js';
import { PageHeader } from '../components/Layout.jsx';
import { FirstPageLink, ListPagination } from '../components/Pagination.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import { useDocumentTitle } from '../hooks.js';
import { useLiveList } from '../live.js';
import { useCursorPages } from '../paging.js';
import { formatDateTime } from '../format.js';
import { Link } from '../router.jsx';
import RefreshButton from '../components/RefreshButton.jsx';

const LIMIT = 20;
// Audit entries never change once written: nothing to poll.
const NEVER_PENDING = () => false;
const ACTIONS = {
  'payment.capture': 'Payment captured',
  'refund.create': 'Refund created',
  'webhook.update': 'Webhook settings changed',
  'webhook.secret_regenerate': 'Webhook secret regenerated',
  'webhook.replay': 'Webhook deliveries replayed',
  'webhook_endpoint.create': 'Webhook endpoint added',
  'webhook_endpoint.update': 'Webhook endpoint changed',
  'webhook_endpoint.delete': 'Webhook endpoint deleted',
  'webhook_endpoint.secret_rotate': 'Webhook endpoint secret rotated',
  'webhook_endpoint.secret_promote': 'Webhook endpoint secret promoted',
  'credentials.rotate': 'API secret rotated',
  'sessions.revoke': 'Every session ended',
};

function EntityLink({ entry }) {
  if (entry.entity_type === 'payment') {
    return (
      <Link className="mono" to={`/payments/${encodeURIComponent(entry.entity_id)}`}>
        {entry.entity_id}
      </Link>
    );
  }
  return <span className="mono">{entry.entity_type === 'merchant' ? 'account' : entry.entity_id}</span>;
}

export default function AuditLog() {
  useDocumentTitle('Audit log');
  const pages = useCursorPages();
  const list = useLiveList({
    load: (opts) => api.auditLog({ limit: LIMIT, cursor: pages.cursor }, opts),
    deps: [pages.key],
    fetchOne: () => Promise.resolve(null),
    isPending: NEVER_PENDING,
    firstPage: pages.depth === 0,
    meta: { depth: pages.depth },
  });
  const { page, rows } = list;

  return (
    <div className="page" data-test-id="audit-log-page">
      <PageHeader title="Audit log">
        <RefreshButton source={list} />
      </PageHeader>
      <p className="muted">
        Captures, refunds, webhook settings and credential changes: who made them, when and from which address.
      </p>
      {list.loading && !page ? <Loading label="Loading the audit log…" /> : null}
      {list.error && !page ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load the audit log" />
      ) : null}
      {list.error && pages.depth > 0 ? <FirstPageLink onFirst={pages.first} /> : null}
      {page ? (
        <section className="card card-flush" aria-busy={list.stale}>
          {rows.length ? (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit log">
              <table className="table" data-test-id="audit-table">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">What</th>
                    <th scope="col">On</th>
                    <th scope="col">Who</th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((e) => (
                    <tr key={e.id} data-test-id="audit-row" data-action={e.action}>
                      <td className="nowrap">{formatDateTime(e.created_at)}</td>
                      <td>
                        <strong>{ACTIONS[e.action] || e.action}</strong>
                        <br />
                        <span className="muted" data-test-id="audit-summary">
                          {e.summary}
                        </span>
                      </td>
                      <td>
                        <EntityLink entry={e} />
                      </td>
                      <td data-test-id="audit-actor">
                        {e.actor.type === 'dashboard' ? 'Dashboard: ' : 'API key: '}
                        <span className="mono">{e.actor.id}</span>
                      </td>
                      <td className="mono">{e.source_ip || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty title={pages.depth ? 'Nothing on this page' : 'Nothing recorded yet'}>
              {pages.depth ? null : 'Captures, refunds and settings changes will be listed here.'}
            </Empty>
          )}
          {list.error ? <ErrorState error={list.error} onRetry={list.reload} title="Could not refresh" /> : null}
          <ListPagination list={list} rows={rows} limit={LIMIT} pages={pages} />
        </section>
      ) : null}
    </div>
  );
}
