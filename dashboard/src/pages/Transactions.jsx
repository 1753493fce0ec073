import { api } from '../api.js';
import { PageHeader } from '../components/Layout.jsx';
import { FirstPageLink, ListPagination } from '../components/Pagination.jsx';
import PollStatus from '../components/PollStatus.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import StatusBadge from '../components/StatusBadge.jsx';
import { formatAmount, formatDateTime, timeZoneName } from '../format.js';
import { useDocumentTitle } from '../hooks.js';
import { useLiveList } from '../live.js';
import { hrefWith, useCursorPages } from '../paging.js';
import { Link, useQuery, useRouter } from '../router.jsx';
import RefreshButton from '../components/RefreshButton.jsx';

const LIMIT = 10;
const STATUSES = ['', 'pending', 'success', 'failed'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// "2026-11-24" -> unix seconds of that day's start in the browser's time zone.
function startOfDay(day) {
  const time = new Date(`${day}T00:00:00`).getTime();
  return Number.isFinite(time) ? Math.floor(time / 1000) : null;
}

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
  const { location, navigate } = useRouter();
  const status = STATUSES.includes(query.get('status') || '') ? query.get('status') || '' : '';
  const since = DAY.test(query.get('since') || '') ? query.get('since') : '';
  const pages = useCursorPages();
  const list = useLiveList({
    load: (opts) =>
      api.payments({ status, from: since ? startOfDay(since) : null, limit: LIMIT, cursor: pages.cursor }, opts),
    deps: [status, since, pages.key],
    fetchOne: (id, opts) => api.payment(id, opts),
    firstPage: pages.depth === 0,
    meta: { depth: pages.depth },
  });
  // A filter change starts again from the first page: a cursor belongs to its filters.
  const setFilter = (change) => navigate(hrefWith(location, change));
  const rows = list.rows;
  const page = list.page;

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
          onChange={(e) => setFilter({ status: e.target.value })}
        >
          <option value="">All</option>
          <option value="pending">Pending</option>
          <option value="success">Successful</option>
          <option value="failed">Failed</option>
        </select>
        <label className="inline-label" htmlFor="since-filter">
          Since
        </label>
        <input
          id="since-filter"
          type="date"
          data-test-id="since-filter"
          value={since}
          onChange={(e) => setFilter({ since: e.target.value })}
        />
        <RefreshButton source={list} />
      </PageHeader>

      {list.loading && !page ? <Loading label="Loading payments…" /> : null}
      {list.error && !page ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load payments" />
      ) : null}
      {list.error && pages.depth > 0 ? <FirstPageLink onFirst={pages.first} /> : null}
      {page ? (
        <section className="card card-flush" aria-busy={list.stale}>
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
            pages.depth > 0 ? (
              <Empty title="Nothing on this page">Payments may have moved: go back to the first page.</Empty>
            ) : (
              <Empty
                title={since ? 'No payments match these filters' : status ? `No ${status} payments` : 'No payments yet'}
              >
                {status || since
                  ? 'Try another status or date.'
                  : 'Payments made through the API or the checkout appear here.'}
              </Empty>
            )
          ) : null}
          {list.error ? <ErrorState error={list.error} onRetry={list.reload} title="Could not refresh" /> : null}
          <PollStatus poll={list.poll} pending={list.pending} noun="payment" />
          <ListPagination list={list} rows={rows} limit={LIMIT} pages={pages} />
        </section>
      ) : null}
    </div>
  );
}
