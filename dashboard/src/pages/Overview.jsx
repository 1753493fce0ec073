import { useState } from 'react';
import { api } from '../api.js';
import Credentials from '../components/Credentials.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { Empty, ErrorState, Loading } from '../components/States.jsx';
import VolumeChart from '../components/VolumeChart.jsx';
import { formatAmount, formatCount, formatRate } from '../format.js';
import { useDocumentTitle, useResource } from '../hooks.js';
import { Link } from '../router.jsx';
import RefreshButton from '../components/RefreshButton.jsx';

const RANGES = [7, 30, 90];

export default function Overview() {
  useDocumentTitle('Overview');
  const [days, setDays] = useState(30);
  const stats = useResource((opts) => api.stats(days, opts), [days]);
  const data = stats.data;

  return (
    <div data-test-id="dashboard" className="page">
      <PageHeader title="Overview">
        <label className="inline-label" htmlFor="range">
          Period
        </label>
        <select id="range" data-test-id="stats-range" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {RANGES.map((d) => (
            <option key={d} value={d}>
              Last {d} days
            </option>
          ))}
        </select>
        <RefreshButton source={stats} />
      </PageHeader>

      {stats.loading && !data ? <Loading label="Loading payment statistics…" /> : null}
      {stats.error && !data ? (
        <ErrorState error={stats.error} onRetry={stats.reload} title="Could not load statistics" />
      ) : null}
      {data ? (
        <>
          <section className="stats" data-test-id="stats-container" aria-label="Payment statistics">
            <div className="stat card">
              <span className="stat-label">Total transactions</span>
              <span className="stat-value" data-test-id="total-transactions" data-value={data.total_transactions}>
                {formatCount(data.total_transactions)}
              </span>
            </div>
            <div className="stat card">
              <span className="stat-label">Total amount</span>
              <span className="stat-value" data-test-id="total-amount" data-value={data.total_amount}>
                {formatAmount(data.total_amount, data.currency || 'INR')}
              </span>
            </div>
            <div className="stat card">
              <span className="stat-label">Success rate</span>
              <span className="stat-value" data-test-id="success-rate" data-value={data.success_rate}>
                {data.total_transactions ? formatRate(data.success_rate) : '—'}
              </span>
            </div>
          </section>
          <section className="card" aria-labelledby="chart-title">
            <h2 id="chart-title">Volume and outcomes per day</h2>
            {stats.error ? <ErrorState error={stats.error} onRetry={stats.reload} title="Could not refresh" /> : null}
            {data.total_transactions > 0 && (data.series || []).length > 0 ? (
              <VolumeChart series={data.series} currency={data.currency || 'INR'} />
            ) : (
              <Empty title={`No payments in the last ${days} days`}>
                Create an order and take a payment to see it here. The <Link to="/docs">integration guide</Link> shows
                how.
              </Empty>
            )}
          </section>
        </>
      ) : null}
      <Credentials />
    </div>
  );
}
