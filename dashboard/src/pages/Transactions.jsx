import { api } from '../api.js';
import { PageHeader } from '../components/Layout.jsx';
import Pagination from '../components/Pagination.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import StatusBadge from '../components/StatusBadge.jsx';
import { formatAmount, formatDateTime, timeZoneName } from '../format.js';
import { useDocumentTitle, usePendingRefresh, useResource } from '../hooks.js';
import { Link, useQuery, useRouter } from '../router.jsx';

const LIMIT = 10;
const STATUSES = ['', 'pending', 'success', 'failed'];
const POLL_MS = 1000;

export function methodLabel(payment) {
  if (payment.method === 'upi') return payment.vpa ? `UPI · ${payment.vpa}` : 'UPI';
  if (payment.method === 'card') {
    const network = payment.card_network ? payment.card_network.toUpperCase() : 'Card';
    return payment.card_last4 ? `${network} ·••• ${payment.card_last4}` : network;
  }
  return payment.method || '—';
}

export default function Transactions() {
  useDocumentTitle('Transactions');
  const query = useQuery();
  const { navigate } = useRouter();
  const status = STATUSES.includes(query.get('status') || '') ? query.get('status') || '' : '';
  const offset = Math.max(0, Number.parseInt(query.get('offset') || '0', 10) || 0);
  const list = useResource((opts) => api.payments({ status, limit: LIMIT, offset }, opts), [status, offset]);

  const setParams = (next) => {
    const params = new URLSearchParams();
    const merged = { status, offset, ...next };
    if (merged.status) params.set('status', merged.status);
    if (merged.offset) params.set('offset', String(merged.offset));
    const search = params.toString();
    navigate(`/transactions${search ? `?${search}` : ''}`);
  };

  // Pending payments are fetched again until they reach a final status.
  const rows = usePendingRefresh(list, (id) => api.payment(id), POLL_MS);

  return (
    <div className="page" data-test-id="transactions-page">
      <PageHeader title="Transactions">
        <label className="inline-label" htmlFor="status-filter">
          Status
        </label>
        <select
          id="status-filter"
          data-test-id="status-filter"
          value={status}
          onChange={(e) => setParams({ status: e.target.value, offset: 0 })}
        >
          <option value="">All</option>
          <option value="pending">Pending</option>
          <option value="success">Successful</option>
          <option value="failed">Failed</option>
        </select>
        <button
          type="button"
          className="btn btn-secondary btn-small"
          onClick={() => list.reload()}
          disabled={list.loading}
        >
          Refresh
        </button>
      </PageHeader>

      {list.loading && !list.data ? <Loading label="Loading payments…" /> : null}
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load payments" />
      ) : null}
      {list.data ? (
        <section className="card card-flush">
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Payments">
            <table data-test-id="transactions-table" className="table">
              <caption className="sr-only">Payments, newest first. Times in {timeZoneName()}.</caption>
              <thead>
                <tr>
                  <th scope="col">Payment</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Method</th>
                  <th scope="col">Order</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => (
                  <tr
                    key={p.id}
                    data-test-id="transaction-row"
                    data-payment-id={p.id}
                    data-status={p.status}
                    className="clickable"
                    onClick={(e) => {
                      if (e.target.closest('a, button')) return;
                      navigate(`/payments/${encodeURIComponent(p.id)}`);
                    }}
                  >
                    <td>
                      <Link to={`/payments/${encodeURIComponent(p.id)}`} className="mono" data-test-id="transaction-id">
                        {p.id}
                      </Link>
                    </td>
                    <td className="num" data-test-id="transaction-amount">
                      {formatAmount(p.amount, p.currency)}
                    </td>
                    <td>
                      <StatusBadge status={p.status} testId="transaction-status" />
                      {p.refund_status ? (
                        <StatusBadge
                          status={p.refund_status}
                          label={`refunded: ${p.refund_status}`}
                          testId="transaction-refund-status"
                        />
                      ) : null}
                    </td>
                    <td data-test-id="transaction-method">{methodLabel(p)}</td>
                    <td className="mono small">{p.order_id}</td>
                    <td className="nowrap" data-test-id="transaction-created">
                      {formatDateTime(p.created_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length === 0 ? (
            <Empty title={status ? `No ${status} payments` : 'No payments yet'}>
              {status ? 'Try another status filter.' : 'Payments made through the API or the checkout appear here.'}
            </Empty>
          ) : null}
          {list.error ? <ErrorState error={list.error} onRetry={list.reload} title="Could not refresh" /> : null}
          <Pagination
            total={list.data.total}
            limit={LIMIT}
            offset={offset}
            disabled={list.loading}
            onChange={(o) => setParams({ offset: o })}
          />
        </section>
      ) : null}
    </div>
  );
}
