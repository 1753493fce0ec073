import { test } from 'node:test';
import assert from 'node:assert/strict';
import { razorpayFailure, themeColours } from '../src/shared/razorpay.js';

test("a documented card failure becomes Razorpay's payment.failed error", () => {
  const failure = {
    paymentId: 'pay_AAAAAAAAAAAAAAAA',
    orderId: 'order_BBBBBBBBBBBBBBBB',
    error: { code: 'AUTHENTICATION_FAILED', description: 'Wrong OTP' },
  };
  assert.deepEqual(razorpayFailure(failure), {
    error: {
      code: 'GATEWAY_ERROR',
      description: 'Wrong OTP',
      source: 'customer',
      step: 'payment_authentication',
      reason: 'authentication_failed',
      field: null,
      metadata: { order_id: 'order_BBBBBBBBBBBBBBBB', payment_id: 'pay_AAAAAAAAAAAAAAAA' },
    },
  });
});

test("the gateway's own failures keep their reason, as a bad request at the bank", () => {
  const { error } = razorpayFailure({
    paymentId: 'pay_AAAAAAAAAAAAAAAA',
    orderId: 'order_BBBBBBBBBBBBBBBB',
    error: { code: 'PAYMENT_FAILED', description: 'Declined' },
  });
  assert.deepEqual(
    [error.code, error.source, error.step, error.reason],
    ['BAD_REQUEST_ERROR', 'bank', 'payment_authorization', 'payment_failed'],
  );
});

test('an attempt refused before any payment existed has no payment_id and starts at initiation', () => {
  const { error } = razorpayFailure({
    orderId: 'order_BBBBBBBBBBBBBBBB',
    error: { code: 'ORDER_ALREADY_PAID', description: 'Order already paid' },
  });
  assert.deepEqual(error.metadata, { order_id: 'order_BBBBBBBBBBBBBBBB' });
  assert.deepEqual([error.source, error.step, error.reason], ['business', 'payment_initiation', 'order_already_paid']);
});

test('a theme colour is a hex colour, with the text colour that contrasts most', () => {
  assert.deepEqual(themeColours('#3399cc'), { theme: '#3399cc', onTheme: '#000000' });
  assert.deepEqual(themeColours('#14213D'), { theme: '#14213d', onTheme: '#ffffff' });
  assert.deepEqual(themeColours(' #fff '), { theme: '#ffffff', onTheme: '#000000' });
  for (const value of ['red', 'rgb(0,0,0)', '#12345', '#1234567', 'url(x)', '', null, 42]) {
    assert.equal(themeColours(value), null, String(value));
  }
});
