// The checkout page's only way to the gateway: the public endpoints, with the API key alone.

export class ApiError extends Error {
  // status is 0 when the request never got an HTTP answer (network down, timeout, CORS).
  constructor(status, code, description, field) {
    super(description);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }

  get transient() {
    return this.status === 0 || this.status === 409 || this.status >= 500;
  }
}

const REQUEST_TIMEOUT_MS = 15000;

export function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `checkout_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export class PublicApi {
  constructor(baseUrl, key, fetchImpl) {
    this.baseUrl = String(baseUrl).replace(/\/+$/, '');
    this.key = key;
    this.fetch = fetchImpl || window.fetch.bind(window);
  }

  async request(method, path, body, headers) {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS) : null;
    let response;
    try {
      response = await this.fetch(this.baseUrl + path, {
        method,
        headers: Object.assign(
          { Accept: 'application/json' },
          body ? { 'Content-Type': 'application/json' } : {},
          headers || {},
        ),
        body: body ? JSON.stringify(body) : undefined,
        credentials: 'omit',
        cache: 'no-store',
        signal: controller ? controller.signal : undefined,
      });
    } catch {
      throw new ApiError(
        0,
        'NETWORK_ERROR',
        'We could not reach the payment server. Check your connection and try again.',
      );
    } finally {
      if (timer) clearTimeout(timer);
    }
    let payload;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const error = (payload && payload.error) || {};
      throw new ApiError(
        response.status,
        error.code || 'SERVER_ERROR',
        error.description || `The payment server answered ${response.status}.`,
        error.field,
      );
    }
    if (!payload || typeof payload !== 'object') {
      throw new ApiError(response.status, 'SERVER_ERROR', 'The payment server sent an unreadable answer.');
    }
    return payload;
  }

  getOrder(orderId) {
    return this.request(
      'GET',
      `/api/v1/orders/${encodeURIComponent(orderId)}/public?key=${encodeURIComponent(this.key)}`,
    );
  }

  // idempotencyKey is kept by the caller across a retry of the same attempt, so a request
  // whose answer was lost never creates a second payment.
  createPayment(orderId, method, details, idempotencyKey) {
    const body = Object.assign({ key: this.key, order_id: orderId, method }, details);
    return this.request(
      'POST',
      '/api/v1/payments/public',
      body,
      idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : null,
    );
  }

  // A successful payment's Razorpay-style result: its ids and razorpay_signature, signed by the
  // gateway with the merchant's secret (the page never sees the secret).
  getSuccessResult(paymentId) {
    return this.request(
      'GET',
      `/api/v1/payments/${encodeURIComponent(paymentId)}/public/signature?key=${encodeURIComponent(this.key)}`,
    );
  }

  getPayment(paymentId) {
    return this.request(
      'GET',
      `/api/v1/payments/${encodeURIComponent(paymentId)}/public?key=${encodeURIComponent(this.key)}`,
    );
  }
}

const FINAL = ['success', 'failed'];

// Polls a payment until it is final. Transient errors (network, 5xx) are retried until the
// deadline; any other error ends the poll. Resolves with the final payment, rejects with an
// ApiError, or with {code: 'POLL_TIMEOUT'} when the deadline passes first.
export function pollPayment(options) {
  const {
    fetchPayment,
    intervalMs = 500,
    timeoutMs = 60000,
    now = Date.now,
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  } = options;
  const deadline = now() + timeoutMs;
  const poll = async () => {
    for (;;) {
      try {
        const payment = await fetchPayment();
        if (FINAL.indexOf(payment.status) !== -1) return payment;
      } catch (error) {
        if (!(error instanceof ApiError) || !error.transient) throw error;
      }
      if (now() + intervalMs > deadline) {
        throw new ApiError(0, 'POLL_TIMEOUT', 'The payment is taking longer than usual to be confirmed.');
      }
      await sleep(intervalMs);
    }
  };
  return poll();
}
