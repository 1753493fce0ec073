// Razorpay's checkout.js API (window.Razorpay) over the gateway's checkout: what /v1/checkout.js
// exposes, so a page written for Razorpay's Standard Checkout works with only its script URL
// changed (docs/razorpay.md, "Checkout").

import { razorpayFailure, themeColours } from '../shared/razorpay.js';
import { PaymentGateway, RAZORPAY, invoke } from './gateway.js';

const internals = new WeakMap(); // each Razorpay's listeners and the PaymentGateway it drives

//   const rzp = new Razorpay({key, order_id, amount, currency, name, description, image, prefill,
//     notes, theme: {color}, modal: {ondismiss, escape}, handler});
//   rzp.on('payment.failed', (response) => response.error.code ...);
//   rzp.open();   // rzp.close()
//
// As Razorpay's: on success the checkout closes, then `handler` gets {razorpay_payment_id,
// razorpay_order_id, razorpay_signature}; a failed attempt fires `payment.failed` with Razorpay's
// error object and the buyer may try again; the buyer closing it calls `modal.ondismiss`.

function razorpayText(value, max) {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return String(value).trim().slice(0, max);
}

// The logo's absolute http(s) URL (a relative one is the merchant page's), or '' for anything else.
function imageUrl(value) {
  if (typeof value !== 'string' || !value.trim()) return '';
  try {
    const url = new URL(value.trim(), window.location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

export class Razorpay {
  constructor(options) {
    if (!options || typeof options !== 'object') {
      throw new Error('Razorpay: options are required: new Razorpay({key, order_id, handler, ...})');
    }
    const modal = options.modal && typeof options.modal === 'object' ? options.modal : {};
    const prefill = options.prefill && typeof options.prefill === 'object' ? options.prefill : {};
    const theme = options.theme && typeof options.theme === 'object' ? options.theme : {};
    const colours = themeColours(theme.color);
    const handler = typeof options.handler === 'function' ? options.handler : null;
    const ondismiss = typeof modal.ondismiss === 'function' ? modal.ondismiss : null;
    const listeners = {};
    const self = { listeners, checkout: null };
    internals.set(this, self);
    ['key', 'order_id'].forEach((name) => {
      if (typeof options[name] !== 'string' || !options[name].trim()) {
        throw new Error(`Razorpay: \`${name}\` is required (a non-empty string)`);
      }
    });
    // The gateway's own SDK does the work.
    const checkout = new PaymentGateway({
      key: options.key,
      orderId: options.order_id,
      onSuccess: (data, signed) => {
        checkout.close(); // Razorpay's checkout closes on success, then calls the handler
        // Without a signature (the page could not fetch one) the ids alone: the merchant's server
        // then refuses it, as it must refuse anything it cannot verify.
        invoke(handler, signed || { razorpay_payment_id: data.paymentId, razorpay_order_id: data.orderId });
      },
      onFailure: (failure) => {
        (listeners['payment.failed'] || []).forEach((listener) => invoke(listener, razorpayFailure(failure)));
      },
      onClose: () => invoke(ondismiss),
      [RAZORPAY]: {
        escape: modal.escape !== false,
        display: {
          name: razorpayText(options.name, 100),
          description: razorpayText(options.description, 255),
          image: imageUrl(options.image),
          theme_color: colours ? colours.theme : '',
          prefill_name: razorpayText(prefill.name, 100),
          prefill_method: prefill.method === 'card' || prefill.method === 'upi' ? prefill.method : '',
        },
      },
    });
    self.checkout = checkout;
  }

  open() {
    internals.get(this).checkout.open();
    return this;
  }

  close() {
    internals.get(this).checkout.close();
    return this;
  }

  // on(event, fn): 'payment.failed' is the event the checkout fires; others are accepted and
  // never fire (Razorpay names more, for flows the gateway has not).
  on(event, listener) {
    if (typeof event !== 'string' || typeof listener !== 'function') {
      throw new Error('Razorpay: on(event, listener) needs an event name and a function');
    }
    const listeners = internals.get(this).listeners;
    (listeners[event] = listeners[event] || []).push(listener);
    return this;
  }
}
