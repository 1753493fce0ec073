import { api } from '../api.js';
import { PageHeader } from '../components/Layout.jsx';
import Pagination from '../components/Pagination.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import { useDocumentTitle, usePendingRefresh, useResource } from '../hooks.js';
import { useQuery, useRouter } from '../router.jsx';
import { RefundsTable } from './PaymentDetail.jsx';

const LIMIT = 10;

export default function Refunds() {
  useDocumentTitle('Refunds');
  const query = useQuery();
  const { navigate } = useRouter();
  const offset = Math.max(0, Number.parseInt(query.get('offset') || '0', 10) || 0);
  const list = useResource((opts) => api.refunds({ limit: LIMIT, offset }, opts), [offset]);
  const rows = usePendingRefresh(list, (id) => api.refund(id));

  return (
    <div className="page" data-test-id="refunds-page">
      <PageHeader title="Refunds">
        <button
          type="button"
          className="btn btn-secondary btn-small"
          onClick={() => list.reload()}
          disabled={list.loading}
        >
          Refresh
        </button>
      </PageHeader>
      {list.loading && !list.data ? <Loading label="Loading refunds…" /> : null}
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load refunds" />
      ) : null}
      {list.data ? (
        <section className="card card-flush">
          {rows.length ? (
            <RefundsTable refunds={rows} showPayment />
          ) : (
            <Empty title={offset ? 'Nothing on this page' : 'No refunds yet'}>
              {offset ? null : 'Refund a successful payment from its page under Transactions.'}
            </Empty>
          )}
          {list.error ? <ErrorState error={list.error} onRetry={list.reload} title="Could not refresh" /> : null}
          <Pagination
            total={list.data.total}
            limit={LIMIT}
            offset={offset}
            disabled={list.loading}
            onChange={(o) => navigate(o ? `/refunds?offset=${o}` : '/refunds')}
          />
        </section>
      ) : null}
    </div>
  );
}
