import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, PublicApi, pollPayment } from '../src/page/api.js';
import { normalizeOrigin } from '../src/page/embed.js';

function clock() {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms) => {
      time += ms;
    },
  };
}

test('polling ends when the payment is final', async () => {
  const statuses = ['pending', 'pending', 'success'];
  const { now, sleep } = clock();
  let calls = 0;
  const payment = await pollPayment({
    fetchPayment: async () => ({ id: 'pay_1', status: statuses[calls++] }),
    intervalMs: 500,
    timeoutMs: 10000,
    now,
    sleep,
  });
  assert.equal(payment.status, 'success');
  assert.equal(calls, 3);
  assert.equal(now(), 1000);
});

test('polling rides out transient errors and stops at its deadline', async () => {
  const { now, sleep } = clock();
  let calls = 0;
  await assert.rejects(
    pollPayment({
      fetchPayment: async () => {
        calls += 1;
        if (calls % 2) throw new ApiError(0, 'NETWORK_ERROR', 'down');
        return { status: 'pending' };
      },
      intervalMs: 500,
      timeoutMs: 3000,
      now,
      sleep,
    }),
    (error) => error.code === 'POLL_TIMEOUT',
  );
  assert.equal(calls, 7); // t = 0, 500, ..., 3000
});

test('polling stops at once on an error that will not go away', async () => {
  const { now, sleep } = clock();
  await assert.rejects(
    pollPayment({
      fetchPayment: async () => {
        throw new ApiError(404, 'NOT_FOUND_ERROR', 'no such payment');
      },
      now,
      sleep,
    }),
    (error) => error.status === 404,
  );
});

test('the public API client sends the key, never anything else, and reads error bodies', async () => {
  const seen = [];
  const fake = async (url, init) => {
    seen.push({ url, init });
    if (init.method === 'POST') {
      return {
        ok: false,
        status: 400,
        json: async () => ({ error: { code: 'BAD_REQUEST_ERROR', description: 'vpa is invalid', field: 'vpa' } }),
      };
    }
    return { ok: true, status: 200, json: async () => ({ id: 'order_1', amount: 100 }) };
  };
  const api = new PublicApi('http://api.test/', 'key_test_abc123', fake);
  assert.deepEqual(await api.getOrder('order_1'), { id: 'order_1', amount: 100 });
  assert.equal(seen[0].url, 'http://api.test/api/v1/orders/order_1/public?key=key_test_abc123');
  await assert.rejects(
    api.createPayment('order_1', 'upi', { vpa: 'x@y' }, 'idem-1'),
    (error) => error.status === 400 && error.field === 'vpa' && error.message === 'vpa is invalid' && !error.transient,
  );
  assert.equal(seen[1].url, 'http://api.test/api/v1/payments/public');
  assert.deepEqual(JSON.parse(seen[1].init.body), {
    key: 'key_test_abc123',
    order_id: 'order_1',
    method: 'upi',
    vpa: 'x@y',
  });
  assert.equal(seen[1].init.headers['Idempotency-Key'], 'idem-1');
  assert.equal(seen[1].init.credentials, 'omit');
});

test('a network failure is a transient ApiError', async () => {
  const api = new PublicApi('http://api.test', 'k', async () => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(
    api.getPayment('pay_1'),
    (error) => error instanceof ApiError && error.transient && error.status === 0,
  );
});

test('only an exact http(s) origin is accepted as the parent origin', () => {
  assert.equal(normalizeOrigin('http://127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(normalizeOrigin('https://shop.example/'), 'https://shop.example');
  for (const bad of [
    '',
    '*',
    'null',
    'javascript:alert(1)',
    'file:///tmp',
    'https://shop.example/path',
    'https://user:pw@shop.example',
    'https://shop.example?x=1',
    'HTTPS://SHOP.EXAMPLE',
    null,
    undefined,
  ]) {
    assert.equal(normalizeOrigin(bad), null, String(bad));
  }
});
