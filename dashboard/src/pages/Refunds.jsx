import { api } from '../api.js';
import JustCreated from '../components/JustCreated.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { FirstPageLink, ListPagination } from '../components/Pagination.jsx';
import PollStatus from '../components/PollStatus.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import { useDocumentTitle } from '../hooks.js';
import { useLiveList } from '../live.js';
import { useCursorPages } from '../paging.js';
import { RefundsTable } from './PaymentDetail.jsx';
import RefreshButton from '../components/RefreshButton.jsx';

const LIMIT = 10;
const EVERY_REFUND = { kind: 'refund', accept: () => true };

export default function Refunds() {
  useDocumentTitle('Refunds');
  const pages = useCursorPages();
  const list = useLiveList({
    load: (opts) => api.refunds({ limit: LIMIT, cursor: pages.cursor }, opts),
    deps: [pages.key],
    fetchOne: (id, opts) => api.refund(id, opts),
    created: EVERY_REFUND,
    firstPage: pages.depth === 0,
    meta: { depth: pages.depth },
  });
  const { page, rows } = list;

  return (
    <div className="page" data-test-id="refunds-page">
      <PageHeader title="Refunds">
        <RefreshButton source={list} />
      </PageHeader>
      {list.loading && !page ? <Loading label="Loading refunds…" /> : null}
      {list.error && !page ? (
        <ErrorState error={list.error} onRetry={list.reload} title="Could not load refunds" />
      ) : null}
      {list.error && pages.depth > 0 ? <FirstPageLink onFirst={pages.first} /> : null}
      {page ? (
        <section className="card card-flush" aria-busy={list.stale}>
          <JustCreated ids={list.localIds} noun="refund" />
          {rows.length ? (
            <RefundsTable refunds={rows} localIds={list.localIds} showPayment />
          ) : (
            <Empty title={pages.depth ? 'Nothing on this page' : 'No refunds yet'}>
              {pages.depth ? null : 'Refund a successful payment from its page under Transactions.'}
            </Empty>
          )}
          {list.error ? <ErrorState error={list.error} onRetry={list.reload} title="Could not refresh" /> : null}
          <PollStatus poll={list.poll} pending={list.pending} noun="refund" />
          <ListPagination list={list} rows={rows} limit={LIMIT} pages={pages} />
        </section>
      ) : null}
    </div>
  );
}
