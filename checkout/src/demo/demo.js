// The demo merchant page: asks its own server for a fresh order, then opens checkout.js.
/* global PaymentGateway */

const $ = (id) => document.getElementById(id);

function report(kind, detail) {
  $('result').textContent = kind;
  const item = document.createElement('li');
  item.textContent = detail === undefined ? kind : `${kind}: ${JSON.stringify(detail)}`;
  $('log').appendChild(item);
}

// "500.00" -> 50000 paise, without floating point surprises.
function toPaise(text) {
  const match = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || '').padEnd(2, '0'));
}

async function createOrder(amount) {
  const response = await fetch('/demo/order', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ amount, currency: 'INR' }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new Error((body.error && body.error.description) || `The shop's server answered ${response.status}`);
  return body;
}

// What a merchant's page does with a success before it shows one: its server checks the
// checkout's razorpay_signature with the API secret (the page never holds the secret).
async function confirm(data, signed) {
  report('Verifying the payment with the shop', { paymentId: data.paymentId });
  let verified;
  try {
    const response = await fetch('/demo/verify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(signed || {}),
    });
    verified = response.ok;
  } catch {
    verified = false;
  }
  if (verified) report('Payment successful', data);
  else report('Payment not verified', data);
}

async function buy(event) {
  event.preventDefault();
  const amount = toPaise($('amount').value);
  if (amount === null || amount < 100) {
    report('Enter an amount of at least 1.00');
    return;
  }
  $('buy-button').disabled = true;
  try {
    const order = await createOrder(amount);
    report('Order created', { orderId: order.order_id, amount: order.amount, currency: order.currency });
    new PaymentGateway({
      key: order.key,
      orderId: order.order_id,
      onSuccess: (data, signed) => confirm(data, signed),
      onFailure: (data) => report('Payment failed', data),
      onClose: () => report('Checkout closed'),
    }).open();
  } catch (error) {
    report('Could not start the payment', error.message);
  } finally {
    $('buy-button').disabled = false;
  }
}

$('buy-form').addEventListener('submit', buy);
