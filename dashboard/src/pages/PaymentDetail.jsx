import { useState } from 'react';
import { api, idempotencyKey } from '../api.js';
import JustCreated from '../components/JustCreated.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { FirstPageLink, ListPagination } from '../components/Pagination.jsx';
import PollStatus from '../components/PollStatus.jsx';
import { Empty, ErrorState, Loading, Notice } from '../components/States.jsx';
import StatusBadge from '../components/StatusBadge.jsx';
import { formatAmount, formatDateTime, minorToInput, parseAmount } from '../format.js';
import { useDocumentTitle, useResource } from '../hooks.js';
import { useLiveList } from '../live.js';
import { useCursorPages } from '../paging.js';
import { useBackoffPolling } from '../polling.js';
import { rememberCreated } from '../recent.js';
import { Link } from '../router.jsx';
import { methodLabel } from './Transactions.jsx';

const REFUNDS_LIMIT = 10;

function Field({ label, children, testId }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-test-id={testId}>{children}</dd>
    </div>
  );
}

function RefundForm({ payment, onCreated }) {
  const refundable = payment.amount - (payment.amount_refunded || 0);
  const [kind, setKind] = useState('full');
  const [amountText, setAmountText] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // One key per intended refund: a double click or a retry after a network error replays it.
  const [key, setKey] = useState(idempotencyKey);

  const onSubmit = async (event) => {
    event.preventDefault();
    let amount = refundable;
    if (kind === 'partial') {
      const parsed = parseAmount(amountText, payment.currency);
      if (parsed.error) {
        setError(parsed.error);
        return;
      }
      if (parsed.minor > refundable) {
        setError(`At most ${formatAmount(refundable, payment.currency)} can be refunded`);
        return;
      }
      amount = parsed.minor;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { amount };
      if (reason.trim()) body.reason = reason.trim();
      const refund = await api.createRefund(payment.id, body, key);
      setKey(idempotencyKey());
      setAmountText('');
      setReason('');
      setKind('full');
      onCreated(refund);
    } catch (err) {
      setError(err.message);
      if (err.status && err.status < 500 && err.status !== 409) setKey(idempotencyKey());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="refund-form" data-test-id="refund-form" onSubmit={onSubmit} noValidate>
      <fieldset>
        <legend className="sr-only">Refund amount and reason</legend>
        <p className="muted">
          Refundable: <strong data-test-id="refundable-amount">{formatAmount(refundable, payment.currency)}</strong>
        </p>
        <div className="radio-row">
          <label>
            <input
              type="radio"
              name="refund-kind"
              value="full"
              checked={kind === 'full'}
              onChange={() => setKind('full')}
              data-test-id="refund-full"
            />
            Full ({formatAmount(refundable, payment.currency)})
          </label>
          <label>
            <input
              type="radio"
              name="refund-kind"
              value="partial"
              checked={kind === 'partial'}
              onChange={() => {
                setKind('partial');
                if (!amountText) setAmountText(minorToInput(refundable, payment.currency));
              }}
              data-test-id="refund-partial"
            />
            Partial
          </label>
        </div>
        {kind === 'partial' ? (
          <>
            <label htmlFor="refund-amount">Amount ({payment.currency})</label>
            <input
              id="refund-amount"
              inputMode="decimal"
              autoComplete="off"
              data-test-id="refund-amount-input"
              value={amountText}
              onChange={(e) => setAmountText(e.target.value)}
              aria-invalid={error ? 'true' : undefined}
            />
          </>
        ) : null}
        <label htmlFor="refund-reason">Reason (optional)</label>
        <input
          id="refund-reason"
          data-test-id="refund-reason-input"
          maxLength={255}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        {error ? (
          <Notice kind="error" testId="refund-error">
            {error}
          </Notice>
        ) : null}
        <div className="button-row">
          <button type="submit" className="btn btn-primary" data-test-id="refund-button" disabled={busy}>
            {busy ? 'Refunding…' : kind === 'full' ? 'Refund in full' : 'Refund'}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

export function RefundsTable({ refunds, localIds = [], showPayment = false }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Refunds">
      <table className="table" data-test-id="refunds-table">
        <thead>
          <tr>
            <th scope="col">Refund</th>
            {showPayment ? <th scope="col">Payment</th> : null}
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Created</th>
            <th scope="col">Processed</th>
          </tr>
        </thead>
        <tbody>
          {refunds.map((r) => (
            <tr
              key={r.id}
              data-test-id="refund-row"
              data-refund-id={r.id}
              data-status={r.status}
              data-just-created={localIds.includes(r.id) ? 'true' : undefined}
              className={localIds.includes(r.id) ? 'just-created' : undefined}
            >
              <td className="mono" data-test-id="refund-id">
                {r.id}
                {localIds.includes(r.id) ? (
                  <>
                    {' '}
                    <span className="badge badge-info">new</span>
                  </>
                ) : null}
              </td>
              {showPayment ? (
                <td>
                  <Link className="mono" to={`/payments/${encodeURIComponent(r.payment_id)}`}>
                    {r.payment_id}
                  </Link>
                </td>
              ) : null}
              <td className="num" data-test-id="refund-amount">
                {formatAmount(r.amount, r.currency)}
              </td>
              <td>
                <StatusBadge status={r.status} testId="refund-status" />
              </td>
              <td>{r.reason || '—'}</td>
              <td className="nowrap">{formatDateTime(r.created_at)}</td>
              <td className="nowrap">{formatDateTime(r.processed_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function PaymentDetail({ params }) {
  const { id } = params;
  useDocumentTitle(`Payment ${id}`);
  const payment = useResource((opts) => api.payment(id, opts), [id]);
  const pages = useCursorPages('refunds_cursor');
  const refunds = useLiveList({
    load: (opts) => api.paymentRefunds(id, { limit: REFUNDS_LIMIT, cursor: pages.cursor }, opts),
    deps: [id, pages.key],
    fetchOne: (refundId, opts) => api.refund(refundId, opts),
    created: { kind: 'refund', accept: (r) => r.payment_id === id },
    firstPage: pages.depth === 0,
    meta: { depth: pages.depth },
    // A refund that finishes changes the payment's refund status.
    onRowChange: () => payment.reload({ quiet: true }),
  });
  const [capturing, setCapturing] = useState(false);
  const [actionError, setActionError] = useState(null);
  const [message, setMessage] = useState(null);

  const p = payment.data;
  const refundRows = refunds.rows;
  // The payment itself, while pending: read again by id, with backoff.
  const paymentPoll = useBackoffPolling(
    async (signal) => payment.setData(await api.payment(id, { signal })),
    Boolean(p && p.status === 'pending'),
    { resetKey: id },
  );

  const capture = async () => {
    setCapturing(true);
    setActionError(null);
    setMessage(null);
    try {
      const updated = await api.capture(p.id, p.amount);
      payment.setData(updated);
      setMessage('Payment captured.');
    } catch (err) {
      setActionError(err.message);
    } finally {
      setCapturing(false);
    }
  };

  const onRefundCreated = (refund) => {
    setMessage(`Refund ${refund.id} of ${formatAmount(refund.amount, refund.currency)} created.`);
    // Shown at once, here and under Refunds, even before the lists' indexes have it.
    rememberCreated('refund', refund);
    refunds.patch(refund);
    payment.reload({ quiet: true });
    refunds.reload({ quiet: true });
  };

  if (payment.loading && !p) return <Loading label="Loading payment…" />;
  if (payment.error && !p) {
    return (
      <div className="page">
        <p>
          <Link to="/transactions">← Transactions</Link>
        </p>
        {payment.error.status === 404 ? (
          // Trying again cannot find it: the way on is back to the list.
          <div className="state" data-test-id="payment-missing" role="alert">
            <strong>No such payment</strong>
            <div className="state-hint">
              No payment <code>{id}</code> belongs to this account.
            </div>
            <Link to="/transactions" className="btn btn-secondary" data-test-id="back-to-transactions">
              Back to transactions
            </Link>
          </div>
        ) : (
          <ErrorState error={payment.error} onRetry={payment.reload} title="Could not load the payment" />
        )}
      </div>
    );
  }

  const refundable = p.amount - (p.amount_refunded || 0);
  return (
    <div className="page" data-test-id="payment-detail" data-payment-id={p.id}>
      <p className="breadcrumb">
        <Link to="/transactions">← Transactions</Link>
      </p>
      <PageHeader title={formatAmount(p.amount, p.currency)}>
        <StatusBadge status={p.status} testId="payment-status" />
        {p.status === 'success' && !p.captured && !p.amount_refunded ? (
          <button
            type="button"
            className="btn btn-primary"
            data-test-id="capture-button"
            onClick={capture}
            disabled={capturing}
          >
            {capturing ? 'Capturing…' : `Capture ${formatAmount(p.amount, p.currency)}`}
          </button>
        ) : null}
      </PageHeader>
      {message ? (
        <Notice kind="success" testId="payment-message">
          {message}
        </Notice>
      ) : null}
      {actionError ? (
        <Notice kind="error" testId="payment-action-error">
          {actionError}
        </Notice>
      ) : null}

      <div className="detail-grid">
        <section className="card" aria-labelledby="fields-title">
          <h2 id="fields-title">Details</h2>
          <dl className="fields">
            <Field label="Payment ID" testId="detail-payment-id">
              <code>{p.id}</code>
            </Field>
            <Field label="Order ID" testId="detail-order-id">
              <code>{p.order_id}</code>
            </Field>
            <Field label="Amount" testId="detail-amount">
              {formatAmount(p.amount, p.currency)}
            </Field>
            <Field label="Status" testId="detail-status">
              {p.status}
            </Field>
            <Field label="Method" testId="detail-method">
              {methodLabel(p)}
            </Field>
            <Field label="Captured" testId="detail-captured">
              {p.captured ? `Yes, ${formatDateTime(p.captured_at)}` : 'No'}
            </Field>
            <Field label="Refunded" testId="detail-refunded">
              {formatAmount(p.amount_refunded || 0, p.currency)}
              {p.refund_status ? ` (${p.refund_status})` : ''}
            </Field>
            {p.error_code ? (
              <Field label="Error" testId="detail-error">
                <code>{p.error_code}</code> {p.error_description}
              </Field>
            ) : null}
            <Field label="Created" testId="detail-created">
              {formatDateTime(p.created_at)}
            </Field>
            <Field label="Updated">{formatDateTime(p.updated_at)}</Field>
          </dl>
          {p.status === 'pending' ? <Loading label="Processing: this page updates when the payment is final." /> : null}
          {p.status === 'pending' ? <PollStatus poll={paymentPoll} pending={[p]} noun="payment" /> : null}
        </section>

        <section className="card" aria-labelledby="refund-title">
          <h2 id="refund-title">Refund this payment</h2>
          {p.status === 'success' && refundable > 0 ? (
            <RefundForm payment={p} onCreated={onRefundCreated} />
          ) : (
            <p className="muted" data-test-id="refund-unavailable">
              {p.status === 'pending'
                ? 'A payment can be refunded once it has succeeded.'
                : p.status === 'failed'
                  ? 'A failed payment cannot be refunded.'
                  : 'This payment has been refunded in full.'}
            </p>
          )}
        </section>
      </div>

      <section className="card card-flush" aria-labelledby="refunds-title">
        <h2 id="refunds-title" className="card-title-pad">
          Refunds
        </h2>
        {refunds.loading && !refunds.page ? <Loading label="Loading refunds…" /> : null}
        {refunds.error && !refunds.page ? (
          <ErrorState error={refunds.error} onRetry={refunds.reload} title="Could not load refunds" />
        ) : null}
        {refunds.error && pages.depth > 0 ? <FirstPageLink onFirst={pages.first} /> : null}
        {refunds.page ? (
          <>
            <JustCreated ids={refunds.localIds} noun="refund" />
            {refundRows.length ? (
              <RefundsTable refunds={refundRows} localIds={refunds.localIds} />
            ) : (
              <Empty title={pages.depth ? 'Nothing on this page' : 'No refunds for this payment'} />
            )}
            <PollStatus poll={refunds.poll} pending={refunds.pending} noun="refund" />
            <ListPagination list={refunds} rows={refundRows} limit={REFUNDS_LIMIT} pages={pages} />
          </>
        ) : null}
      </section>
    </div>
  );
}
