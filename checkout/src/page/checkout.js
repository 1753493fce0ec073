// The hosted checkout page: order summary, UPI or card, then processing, success or error.
// It runs standalone (a plain page) or embedded by checkout.js (`embedded=true`), where it
// reports to the merchant's page with postMessage.
import {
  cardNetwork,
  cardNumberError,
  cvvError,
  digitsOnly,
  expiryError,
  formatCardNumber,
  holderNameError,
  parseExpiry,
  vpaError,
} from '../shared/validation.js';
import { formatAmount, toMajorUnits } from '../shared/money.js';
import { themeColours } from '../shared/razorpay.js';
import { ApiError, PublicApi, pollPayment, randomKey } from './api.js';
import { connectToParent } from './embed.js';

const POLL_INTERVAL_MS = 500;
const POLL_TIMEOUT_MS = 60000;
// The signed result of a success: a few tries on a transient error, then the success is reported
// without it (the merchant's server then cannot verify it, and must not trust it).
const SIGNATURE_TRIES = 3;

const NETWORK_NAMES = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', rupay: 'RuPay' };

const $ = (id) => document.getElementById(id);

// Each input, the validator of its value, and the server field names that point at it.
const FIELDS = {
  vpa: { input: 'vpa', error: 'vpa-error', check: vpaError, server: /vpa/i },
  number: { input: 'card-number', error: 'card-number-error', check: cardNumberError, server: /number/i },
  expiry: { input: 'expiry', error: 'expiry-error', check: (v) => expiryError(v, new Date()), server: /expir/i },
  cvv: { input: 'cvv', error: 'cvv-error', check: cvvError, server: /cvv/i },
  name: { input: 'cardholder-name', error: 'cardholder-name-error', check: holderNameError, server: /holder|name/i },
};
const METHOD_FIELDS = { upi: ['vpa'], card: ['number', 'expiry', 'cvv', 'name'] };
const STATES = ['loading-state', 'payment-form', 'processing-state', 'success-state', 'error-state'];

class Checkout {
  constructor(win) {
    this.win = win;
    const params = new URLSearchParams(win.location.search);
    this.orderId = params.get('order_id') || '';
    this.key = params.get('key') || '';
    this.embedded = params.get('embedded') === 'true';
    this.claimedParent = params.get('parent_origin');
    // What a page written for Razorpay's checkout.js asks of the screen (sdk.js's window.Razorpay).
    this.display = {
      name: params.get('name') || '',
      description: params.get('description') || '',
      image: params.get('image') || '',
      theme: themeColours(params.get('theme_color')),
      prefillName: params.get('prefill_name') || '',
      prefillMethod: params.get('prefill_method') || '',
    };
    this.escapeCloses = params.get('escape') !== 'false';
    this.config = win.PAYGW_CHECKOUT_CONFIG || {};
    this.method = 'upi';
    this.order = null;
    this.payment = null; // the payment being polled or last settled
    this.attempt = null; // {key, body}: the last create request without a definitive answer
    this.retry = null; // what the retry button does in the current error state
    this.parent = null;
  }

  start() {
    $('order-id').textContent = this.orderId;
    this.bindForm();
    this.applyDisplay();
    if (this.embedded) {
      document.documentElement.classList.add('embedded');
      const link = connectToParent(this.win, this.claimedParent);
      if (link.error) {
        this.fail({ title: 'Checkout unavailable', message: link.error });
        return;
      }
      this.parent = link;
      document.addEventListener('keydown', (event) => {
        if (this.escapeCloses && (event.key === 'Escape' || event.key === 'Esc')) {
          event.preventDefault();
          this.post({ type: 'close_modal' });
        }
      });
      $('done-button').hidden = false;
      $('done-button').addEventListener('click', () => this.post({ type: 'close_modal' }));
      this.reportHeight();
    }
    if (!this.orderId || !this.key) {
      this.fail({ title: 'Checkout unavailable', message: 'This checkout link is missing its order or its key.' });
      return;
    }
    if (!this.config.apiUrl) {
      this.fail({ title: 'Checkout unavailable', message: 'The checkout is not configured: no API address.' });
      return;
    }
    this.api = new PublicApi(this.config.apiUrl, this.key);
    $('retry-button').addEventListener('click', () => {
      const retry = this.retry;
      this.retry = null;
      if (retry) retry();
    });
    this.loadOrder();
  }

  post(message) {
    if (this.parent) this.parent.post(message);
  }

  // The modal fits the screen shown: the form is tall, processing and the receipt are short.
  // The page tells checkout.js its content's height whenever it changes; checkout.js caps it.
  reportHeight() {
    const main = document.querySelector('main');
    if (!main || typeof this.win.ResizeObserver !== 'function') return;
    let last = 0;
    new this.win.ResizeObserver(() => {
      const height = Math.ceil(main.getBoundingClientRect().height);
      if (height > 0 && height !== last) {
        last = height;
        this.post({ type: 'resize', data: { height } });
      }
    }).observe(main);
  }

  show(stateId, focusHeading) {
    for (const id of STATES) $(id).hidden = id !== stateId;
    document.querySelector('main').setAttribute('aria-busy', String(stateId === 'loading-state'));
    if (focusHeading) {
      const heading = $(stateId).querySelector('h2');
      if (heading) heading.focus();
    }
  }

  // The error state. retry: what the retry button does, or null to hide it.
  fail({ title, message, retry = null, retryLabel = 'Try again', paymentId = null }) {
    $('error-title').textContent = title || 'Payment failed';
    $('retry-button').textContent = retryLabel;
    $('error-message').textContent = message;
    $('error-reference').hidden = !paymentId;
    $('error-payment-id').textContent = paymentId || '';
    this.retry = retry;
    $('retry-button').hidden = !retry;
    this.show('error-state', true);
  }

  async loadOrder() {
    this.show('loading-state');
    let order;
    try {
      order = await this.api.getOrder(this.orderId);
    } catch (error) {
      const notFound = error instanceof ApiError && (error.status === 404 || error.status === 401);
      this.fail({
        title: 'Checkout unavailable',
        message: notFound ? 'We could not find this order.' : error.message,
        retry: error.transient ? () => this.loadOrder() : null,
      });
      return;
    }
    this.order = order;
    const amount = this.formatAmount(order.amount, order.currency);
    $('order-amount').textContent = amount;
    $('pay-button').textContent = `Pay ${amount}`;
    const shownName = this.display.name || order.merchant_name;
    if (shownName) $('merchant-name').textContent = shownName;
    document.title = shownName ? `Pay ${shownName}` : 'Checkout';
    if (order.status === 'paid') {
      this.fail({ title: 'Already paid', message: 'This order has already been paid.' });
      return;
    }
    this.show('payment-form');
  }

  // The merchant's name, description, logo, colour and prefill, when the SDK passed them. Text
  // goes in as text, the logo only as an http(s) image, the colour only as a hex colour.
  applyDisplay() {
    const display = this.display;
    if (display.name) $('merchant-name').textContent = display.name;
    if (display.description) {
      $('order-description').textContent = display.description;
      $('order-description').hidden = false;
    }
    if (/^https?:\/\//i.test(display.image)) {
      $('merchant-logo').src = display.image;
      $('merchant-logo').hidden = false;
    }
    if (display.theme) {
      const root = document.documentElement;
      root.style.setProperty('--theme', display.theme.theme);
      root.style.setProperty('--on-theme', display.theme.onTheme);
      root.classList.add('themed');
    }
    if (display.prefillName) $('cardholder-name').value = display.prefillName;
    if (display.prefillMethod === 'card' || display.prefillMethod === 'upi') this.selectMethod(display.prefillMethod);
  }

  formatAmount(amount, currency) {
    try {
      return formatAmount(amount, currency);
    } catch {
      return `${toMajorUnits(amount, 2)} ${currency}`;
    }
  }

  bindForm() {
    const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
    tabs.forEach((tab, index) => {
      tab.addEventListener('click', () => this.selectMethod(tab.dataset.method));
      tab.addEventListener('keydown', (event) => {
        const moves = {
          ArrowRight: index + 1,
          ArrowDown: index + 1,
          ArrowLeft: index - 1,
          ArrowUp: index - 1,
          Home: 0,
          End: tabs.length - 1,
        };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const next = tabs[(moves[event.key] + tabs.length) % tabs.length];
        this.selectMethod(next.dataset.method);
        next.focus();
      });
    });
    for (const name of Object.keys(FIELDS)) {
      const input = $(FIELDS[name].input);
      input.addEventListener('input', () => {
        if (input.getAttribute('aria-invalid') === 'true') this.checkField(name);
      });
      input.addEventListener('blur', () => {
        if (input.value.trim()) this.checkField(name);
      });
    }
    const number = $('card-number');
    number.addEventListener('input', () => {
      // Regroup the digits while the buyer types at the end; leave other text for validation.
      if (/^[\d\s-]*$/.test(number.value) && number.selectionStart === number.value.length) {
        number.value = formatCardNumber(number.value);
      }
      const network = NETWORK_NAMES[cardNetwork(digitsOnly(number.value))];
      $('card-network').textContent = network || '';
    });
    $('payment-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.pay();
    });
  }

  selectMethod(method) {
    this.method = method;
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const selected = tab.dataset.method === method;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    $('upi-panel').hidden = method !== 'upi';
    $('card-panel').hidden = method !== 'card';
  }

  checkField(name) {
    const field = FIELDS[name];
    return this.setFieldError(name, field.check($(field.input).value));
  }

  setFieldError(name, message) {
    const field = FIELDS[name];
    const input = $(field.input);
    const error = $(field.error);
    error.textContent = message || '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return !message;
  }

  // The request body for the selected method, or null after showing what is wrong.
  collect() {
    const names = METHOD_FIELDS[this.method];
    const invalid = names.filter((name) => !this.checkField(name));
    if (invalid.length) {
      $(FIELDS[invalid[0]].input).focus();
      return null;
    }
    if (this.method === 'upi') return { vpa: $('vpa').value.trim() };
    const expiry = parseExpiry($('expiry').value);
    const card = {
      number: digitsOnly($('card-number').value),
      expiry_month: expiry.month,
      expiry_year: expiry.year,
      cvv: $('cvv').value.trim(),
    };
    const holder = $('cardholder-name').value.trim();
    if (holder) card.holder_name = holder;
    return { card };
  }

  async pay() {
    const details = this.collect();
    if (!details) return;
    const body = JSON.stringify([this.method, details]);
    // The same attempt sent again (its answer was lost) keeps its idempotency key, so it can
    // never create a second payment; anything else is a new attempt.
    if (!this.attempt || this.attempt.body !== body) this.attempt = { key: randomKey(), body };
    $('pay-button').disabled = true;
    this.show('processing-state', true);
    let payment;
    try {
      payment = await this.api.createPayment(this.orderId, this.method, details, this.attempt.key);
    } catch (error) {
      this.createFailed(error);
      return;
    } finally {
      $('pay-button').disabled = false;
    }
    this.attempt = null;
    this.payment = payment;
    this.track();
  }

  createFailed(error) {
    if (!error.transient) this.attempt = null;
    const fieldName =
      error.field &&
      Object.keys(FIELDS).find(
        (name) => METHOD_FIELDS[this.method].indexOf(name) !== -1 && FIELDS[name].server.test(error.field),
      );
    if (error.status === 400 && fieldName) {
      this.show('payment-form');
      this.setFieldError(fieldName, error.message);
      $(FIELDS[fieldName].input).focus();
      return;
    }
    if (!error.transient) {
      this.post({
        type: 'payment_failed',
        data: { orderId: this.orderId, error: { code: error.code, description: error.message } },
      });
    }
    // An order that was paid meanwhile (or is otherwise unusable) cannot be paid by retrying.
    const orderProblem = error.code === 'ORDER_ALREADY_PAID' || (error.status === 400 && error.field === 'order_id');
    this.fail({
      title: orderProblem && /paid/i.test(error.message + error.code) ? 'Already paid' : 'Payment failed',
      message: error.message,
      retry: orderProblem ? null : () => this.show('payment-form', false),
    });
  }

  // The signed result of a successful payment ({razorpay_payment_id, razorpay_order_id,
  // razorpay_signature}), or null when the gateway would not give it.
  async successResult(paymentId) {
    for (let attempt = 1; attempt <= SIGNATURE_TRIES; attempt += 1) {
      try {
        return await this.api.getSuccessResult(paymentId);
      } catch (error) {
        if (!error.transient || attempt === SIGNATURE_TRIES) return null;
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    }
    return null;
  }

  // Polls the current payment until it settles, then shows the outcome.
  async track() {
    const payment = this.payment;
    this.show('processing-state', true);
    let settled;
    try {
      settled = await pollPayment({
        fetchPayment: () => this.api.getPayment(payment.id),
        intervalMs: POLL_INTERVAL_MS,
        timeoutMs: POLL_TIMEOUT_MS,
      });
    } catch (error) {
      if (error.code === 'POLL_TIMEOUT' || error.transient) {
        this.fail({
          title: 'Still processing',
          message: `${error.message} Check again in a moment to see the result.`,
          paymentId: payment.id,
          retry: () => this.track(),
          retryLabel: 'Check again',
        });
      } else {
        this.fail({ message: error.message, paymentId: payment.id, retry: () => this.show('payment-form', false) });
      }
      return;
    }
    this.payment = settled;
    if (settled.status === 'success') {
      $('payment-id').textContent = settled.id;
      this.show('success-state', true);
      const data = {
        paymentId: settled.id,
        orderId: settled.order_id || this.orderId,
        amount: settled.amount,
        currency: settled.currency,
        status: settled.status,
      };
      if (this.parent) {
        const signed = await this.successResult(settled.id);
        if (signed) data.razorpay = signed;
      }
      this.post({ type: 'payment_success', data });
      return;
    }
    const error = {
      code: settled.error_code || 'PAYMENT_FAILED',
      description: settled.error_description || 'The payment failed.',
    };
    const paidElsewhere = error.code === 'ORDER_ALREADY_PAID';
    this.fail({
      title: paidElsewhere ? 'Already paid' : 'Payment failed',
      message: error.description,
      paymentId: settled.id,
      retry: paidElsewhere ? null : () => this.show('payment-form', false),
    });
    this.post({
      type: 'payment_failed',
      data: { paymentId: settled.id, orderId: settled.order_id || this.orderId, error },
    });
  }
}

function boot() {
  new Checkout(window).start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
