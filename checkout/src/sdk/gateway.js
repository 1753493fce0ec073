// The merchant SDK's core: PaymentGateway. Two bundles expose it (build.mjs): /checkout.js as
// window.PaymentGateway (sdk.js), and /v1/checkout.js as Razorpay's window.Razorpay
// (razorpay-sdk.js, over razorpay.js here). ES2017, no framework.
//
//   const checkout = new PaymentGateway({
//     key: 'key_test_abc123',          // the merchant's public API key (never the secret)
//     orderId: 'order_...',            // created by the merchant's server
//     onSuccess(data, signed) {},      // {paymentId, orderId, amount, currency, status: 'success'},
//                                      // {razorpay_payment_id, razorpay_order_id, razorpay_signature}
//     onFailure(data) {},              // {paymentId?, orderId, error: {code, description}}
//     onClose() {},                    // the buyer closed the checkout (button, Escape, Done)
//     host: 'https://checkout.example' // optional: defaults to where checkout.js came from
//   });
//   checkout.open();   // shows the checkout in a modal
//   checkout.close();  // removes it (without calling onClose: the merchant asked for it)
//
// The checkout page runs in an iframe on the checkout origin and reports with postMessage. A
// message counts only when it comes from that origin AND from this instance's own iframe.

// Where this script was loaded from, read while it runs: currentScript is null afterwards.
const LOADED_FROM = (() => {
  let script = document.currentScript;
  if (!script || !script.src) {
    const scripts = document.querySelectorAll('script[src]');
    for (let i = scripts.length - 1; i >= 0 && (!script || !script.src); i -= 1) {
      if (/\/checkout(\.min)?\.js([?#]|$)/.test(scripts[i].src)) script = scripts[i];
    }
  }
  try {
    return new URL(script.src).origin;
  } catch {
    return window.location.origin;
  }
})();

const NAME = 'PaymentGateway';
const TOP_LAYER = '2147483647';
// A content height above this is no real checkout screen: ignored, the panel keeps its size.
const MAX_CONTENT_HEIGHT = 4000;
const internals = new WeakMap();
// What only window.Razorpay passes to the PaymentGateway it drives: not a public option.
export const RAZORPAY = Symbol('razorpay');
const openStack = []; // open instances, the topmost last: it alone answers Escape and focus
let savedOverflow = null;

function fail(message) {
  return new Error(`${NAME}: ${message}`);
}

function requiredText(options, name) {
  const value = options[name];
  if (typeof value !== 'string' || !value.trim()) {
    throw fail(`\`${name}\` is required (a non-empty string)`);
  }
  return value.trim();
}

function optionalCallback(options, name) {
  const callback = options[name];
  if (callback == null) return null;
  if (typeof callback !== 'function') throw fail(`\`${name}\` must be a function`);
  return callback;
}

function originOf(host) {
  let url;
  try {
    url = new URL(String(host), window.location.href);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw fail('`host` must be an http(s) URL, like https://checkout.example.com');
  }
  return url.origin;
}

// A merchant callback that throws must not break the SDK; its error still reaches the console.
export function invoke(callback, ...args) {
  if (!callback) return;
  try {
    callback(...args);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

function element(tag, attributes, style) {
  const node = document.createElement(tag);
  Object.keys(attributes).forEach((name) => node.setAttribute(name, attributes[name]));
  node.style.cssText = style;
  return node;
}

function lockScroll() {
  const root = document.documentElement;
  if (savedOverflow === null) {
    savedOverflow = root.style.overflow;
    root.style.overflow = 'hidden';
  }
}

function unlockScroll() {
  if (savedOverflow !== null && !openStack.length) {
    document.documentElement.style.overflow = savedOverflow;
    savedOverflow = null;
  }
}

function optionalString(value) {
  return typeof value === 'string' ? value : undefined;
}

export class PaymentGateway {
  constructor(options) {
    if (!options || typeof options !== 'object') {
      throw fail('options are required: new PaymentGateway({key, orderId, ...})');
    }
    internals.set(this, {
      key: requiredText(options, 'key'),
      orderId: requiredText(options, 'orderId'),
      host: options.host == null || options.host === '' ? LOADED_FROM : originOf(options.host),
      onSuccess: optionalCallback(options, 'onSuccess'),
      onFailure: optionalCallback(options, 'onFailure'),
      onClose: optionalCallback(options, 'onClose'),
      razorpay: options[RAZORPAY] || null,
      succeeded: false,
      modal: null,
    });
  }

  get isOpen() {
    return Boolean(internals.get(this).modal);
  }

  open() {
    const state = internals.get(this);
    if (state.modal) {
      state.modal.iframe.focus();
      return this;
    }
    if (!document.body) throw fail('open() needs document.body: call it once the page has loaded');
    const parentOrigin = window.location.origin;
    if (!/^https?:\/\//.test(parentOrigin)) {
      throw fail('the page must be served over http(s) to open the checkout');
    }
    const query = new URLSearchParams({
      order_id: state.orderId,
      key: state.key,
      embedded: 'true',
      parent_origin: parentOrigin,
    });
    if (state.razorpay) {
      const display = state.razorpay.display;
      Object.keys(display).forEach((name) => {
        if (display[name]) query.set(name, display[name]);
      });
      if (!state.razorpay.escape) query.set('escape', 'false');
    }

    const overlay = element(
      'div',
      {
        'data-test-id': 'payment-modal',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-label': 'Checkout',
      },
      `position:fixed;top:0;right:0;bottom:0;left:0;z-index:${TOP_LAYER};display:flex;` +
        'align-items:center;justify-content:center;padding:16px;box-sizing:border-box;' +
        'background:rgba(15,23,42,.6);margin:0;',
    );
    const panel = element(
      'div',
      {},
      'position:relative;width:100%;max-width:440px;height:100%;' +
        'max-height:min(640px,100%);background:#fff;border-radius:12px;overflow:hidden;' +
        'box-shadow:0 12px 40px rgba(0,0,0,.35);',
    );
    const closeButton = element(
      'button',
      {
        type: 'button',
        'data-test-id': 'close-modal-button',
        'aria-label': 'Close checkout',
      },
      'position:absolute;top:10px;right:10px;z-index:1;width:32px;height:32px;margin:0;padding:0;' +
        'border:0;border-radius:50%;background:rgba(255,255,255,.18);color:#fff;cursor:pointer;' +
        'font:24px/32px system-ui,sans-serif;text-align:center;',
    );
    closeButton.textContent = '\u00d7';
    const iframe = element(
      'iframe',
      {
        'data-test-id': 'payment-iframe',
        title: 'Secure checkout',
        allow: 'payment',
        src: `${state.host}/checkout?${query}`,
      },
      'display:block;width:100%;height:100%;border:0;margin:0;',
    );
    // Focus guards: tabbing off either end of the dialog wraps around inside it.
    const guardStart = element('div', { tabindex: '0' }, 'position:fixed;width:1px;height:1px;overflow:hidden;');
    const guardEnd = element('div', { tabindex: '0' }, 'position:fixed;width:1px;height:1px;overflow:hidden;');
    panel.appendChild(closeButton);
    panel.appendChild(iframe);
    overlay.appendChild(guardStart);
    overlay.appendChild(panel);
    overlay.appendChild(guardEnd);

    const modal = {
      overlay,
      panel,
      iframe,
      returnFocus: document.activeElement,
      onMessage: (event) => receive(this, event),
      onKeydown: (event) => {
        const escapes = !state.razorpay || state.razorpay.escape;
        if (escapes && (event.key === 'Escape' || event.key === 'Esc') && openStack[openStack.length - 1] === this) {
          event.preventDefault();
          event.stopPropagation();
          dismiss(this);
        }
      },
      onFocusin: (event) => {
        if (openStack[openStack.length - 1] === this && !panel.contains(event.target)) {
          (event.target === guardStart ? iframe : closeButton).focus();
        }
      },
    };
    state.modal = modal;
    closeButton.addEventListener('click', () => dismiss(this));
    iframe.addEventListener('load', () => {
      const active = document.activeElement;
      if (state.modal === modal && (active === iframe || active === document.body || !active)) iframe.focus();
    });
    window.addEventListener('message', modal.onMessage);
    document.addEventListener('keydown', modal.onKeydown, true);
    document.addEventListener('focusin', modal.onFocusin, true);

    openStack.push(this);
    lockScroll();
    document.body.appendChild(overlay);
    iframe.focus();
    return this;
  }

  close() {
    const state = internals.get(this);
    const modal = state.modal;
    if (!modal) return this;
    state.modal = null;
    window.removeEventListener('message', modal.onMessage);
    document.removeEventListener('keydown', modal.onKeydown, true);
    document.removeEventListener('focusin', modal.onFocusin, true);
    if (modal.overlay.parentNode) modal.overlay.parentNode.removeChild(modal.overlay);
    openStack.splice(openStack.indexOf(this), 1);
    unlockScroll();
    const back = modal.returnFocus;
    if (back && back.focus && document.contains(back)) back.focus();
    return this;
  }
}

// The buyer closed the checkout: the close button, Escape, or the page's own close request.
function dismiss(instance) {
  const state = internals.get(instance);
  if (!state.modal) return;
  instance.close();
  invoke(state.onClose);
}

function receive(instance, event) {
  const state = internals.get(instance);
  const modal = state.modal;
  if (!modal || event.origin !== state.host || event.source !== modal.iframe.contentWindow) return;
  const message = event.data;
  if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
  const data = message.data && typeof message.data === 'object' ? message.data : {};
  if (message.type === 'close_modal') {
    dismiss(instance);
    return;
  }
  if (message.type === 'resize') {
    // The checkout's content height: the panel fits it, within the cap its own style sets.
    const height = data.height;
    if (Number.isInteger(height) && height > 0 && height <= MAX_CONTENT_HEIGHT) {
      modal.panel.style.height = `${height}px`;
    }
    return;
  }
  // Reports about another order, or after this one was paid, are not this checkout's.
  if (data.orderId !== state.orderId || state.succeeded) return;
  if (message.type === 'payment_success') {
    if (typeof data.paymentId !== 'string' || data.status !== 'success') return;
    state.succeeded = true;
    invoke(
      state.onSuccess,
      {
        paymentId: data.paymentId,
        orderId: data.orderId,
        amount: data.amount,
        currency: data.currency,
        status: data.status,
      },
      signedResult(data),
    );
  } else if (message.type === 'payment_failed') {
    const error = data.error && typeof data.error === 'object' ? data.error : {};
    invoke(state.onFailure, {
      paymentId: optionalString(data.paymentId),
      orderId: data.orderId,
      error: {
        code: optionalString(error.code) || 'PAYMENT_FAILED',
        description: optionalString(error.description) || 'The payment failed',
      },
    });
  }
}

// The Razorpay-style result the page fetched for a successful payment (the signature is made
// server-side: the page never holds the secret), or null when it could not get one.
function signedResult(data) {
  const signed = data.razorpay && typeof data.razorpay === 'object' ? data.razorpay : {};
  const names = ['razorpay_payment_id', 'razorpay_order_id', 'razorpay_signature'];
  if (!names.every((name) => typeof signed[name] === 'string' && signed[name])) return null;
  if (signed.razorpay_payment_id !== data.paymentId || signed.razorpay_order_id !== data.orderId) return null;
  return {
    razorpay_payment_id: signed.razorpay_payment_id,
    razorpay_order_id: signed.razorpay_order_id,
    razorpay_signature: signed.razorpay_signature,
  };
}
