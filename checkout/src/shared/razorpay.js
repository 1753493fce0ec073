// Razorpay's shapes for what the checkout reports: the error object of `payment.failed` and the
// options a page written for Razorpay's checkout.js passes (docs/razorpay.md, "Checkout").

// The documented failures of Razorpay's test cards, by reason: [code, source, step]. The server's
// table (chalicelib/domain/razorpay_instruments.py) is the same; a unit test holds them together.
const AUTHORIZATION = 'payment_authorization';
export const DOCUMENTED_FAILURES = {
  payment_timed_out: ['BAD_REQUEST_ERROR', 'customer', AUTHORIZATION],
  insufficient_funds: ['BAD_REQUEST_ERROR', 'bank', AUTHORIZATION],
  payment_cancelled: ['BAD_REQUEST_ERROR', 'customer', AUTHORIZATION],
  card_declined: ['BAD_REQUEST_ERROR', 'bank', AUTHORIZATION],
  card_disabled_for_online_payments: ['BAD_REQUEST_ERROR', 'bank', AUTHORIZATION],
  card_number_invalid: ['BAD_REQUEST_ERROR', 'customer', AUTHORIZATION],
  gateway_technical_error: ['GATEWAY_ERROR', 'gateway', AUTHORIZATION],
  authentication_failed: ['GATEWAY_ERROR', 'customer', 'payment_authentication'],
};

// A failed attempt as Razorpay's `payment.failed` handlers read it: response.error.{code,
// description, source, step, reason, field, metadata: {order_id, payment_id}}.
// `failure` is the gateway's {paymentId?, orderId, error: {code, description}}.
export function razorpayFailure(failure) {
  const reason = String(failure.error.code || 'payment_failed').toLowerCase();
  const documented = DOCUMENTED_FAILURES[reason];
  let code = 'BAD_REQUEST_ERROR';
  let source = 'bank';
  let step = AUTHORIZATION;
  if (documented) {
    [code, source, step] = documented;
  } else if (!failure.paymentId) {
    // The gateway refused the attempt before any payment existed (the order was paid meanwhile,
    // say): Razorpay reports those as the business's, at the payment's start.
    source = 'business';
    step = 'payment_initiation';
  }
  const metadata = { order_id: failure.orderId };
  if (failure.paymentId) metadata.payment_id = failure.paymentId;
  return {
    error: {
      code,
      description: failure.error.description,
      source,
      step,
      reason,
      field: null,
      metadata,
    },
  };
}

// "#3399cc" or "#39c" -> the colour, and the text colour that reads best on it (black or white,
// whichever contrasts more: WCAG's relative luminance). null for anything else: a theme colour
// is only ever a hex colour, never arbitrary CSS.
export function themeColours(value) {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(typeof value === 'string' ? value.trim() : '');
  if (!match) return null;
  let hex = match[1];
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // Contrast with white: 1.05 / (L + 0.05); with black: (L + 0.05) / 0.05.
  const onTheme = 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#000000';
  return { theme: `#${hex.toLowerCase()}`, onTheme };
}
