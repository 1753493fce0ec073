import { API_URL } from './config.js';
import { clearSession, currentToken } from './session.js';

export class ApiError extends Error {
  constructor(status, code, description, field) {
    super(description || code || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

let unauthorizedHandler = () => {};

// Called with no arguments whenever an authenticated call answers 401: the session is gone.
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// An Idempotency-Key for one user action, so a double submit never creates two refunds.
export function idempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') {
    return `dash-${window.crypto.randomUUID()}`;
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return `dash-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function buildUrl(path, query) {
  const url = new URL(API_URL + path);
  if (query) {
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
  }
  return url.toString();
}

export async function request(path, { method = 'GET', body, query, auth = true, headers = {}, signal } = {}) {
  const sent = { Accept: 'application/json', ...headers };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  if (auth) {
    const token = currentToken();
    if (token) sent.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the API at ${API_URL}. Check that it is running.`);
  }
  const text = await response.text();
  let payload = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const error = (payload && payload.error) || {};
    if (response.status === 401 && auth) {
      clearSession();
      unauthorizedHandler();
    }
    throw new ApiError(
      response.status,
      error.code || `HTTP_${response.status}`,
      error.description || `The API answered ${response.status} ${response.statusText}`.trim(),
      error.field,
    );
  }
  return payload;
}

const enc = encodeURIComponent;

export const api = {
  login: (email, password) =>
    request('/api/v1/dashboard/login', { method: 'POST', body: { email, password }, auth: false }),
  logout: () => request('/api/v1/dashboard/logout', { method: 'POST' }),
  logoutEverywhere: () => request('/api/v1/dashboard/logout-everywhere', { method: 'POST' }),
  merchant: (opts) => request('/api/v1/merchant', opts),
  // A session reads the credentials without the API secret; revealing or rotating it asks the password.
  credentials: (opts) => request('/api/v1/merchant/credentials', opts),
  revealCredentials: (password) =>
    request('/api/v1/merchant/credentials/reveal', { method: 'POST', body: { password } }),
  rotateSecret: (password) => request('/api/v1/merchant/credentials/rotate', { method: 'POST', body: { password } }),
  saveWebhook: (url, events) => request('/api/v1/merchant/webhook', { method: 'PUT', body: { url, events } }),
  regenerateSecret: () => request('/api/v1/merchant/webhook/secret', { method: 'POST' }),
  sendTestWebhook: () => request('/api/v1/merchant/webhook/test', { method: 'POST' }),
  stats: (days, opts) => request('/api/v1/payments/stats', { query: { days }, ...opts }),
  payments: (query, opts) => request('/api/v1/payments', { query, ...opts }),
  payment: (id, opts) => request(`/api/v1/payments/${enc(id)}`, opts),
  capture: (id, amount) =>
    request(`/api/v1/payments/${enc(id)}/capture`, {
      method: 'POST',
      body: { amount },
      headers: { 'Idempotency-Key': idempotencyKey() },
    }),
  paymentRefunds: (id, query, opts) => request(`/api/v1/payments/${enc(id)}/refunds`, { query, ...opts }),
  createRefund: (id, body, key) =>
    request(`/api/v1/payments/${enc(id)}/refunds`, {
      method: 'POST',
      body,
      headers: { 'Idempotency-Key': key },
    }),
  refunds: (query, opts) => request('/api/v1/refunds', { query, ...opts }),
  refund: (id, opts) => request(`/api/v1/refunds/${enc(id)}`, opts),
  auditLog: (query, opts) => request('/api/v1/audit-log', { query, ...opts }),
  webhooks: (query, opts) => request('/api/v1/webhooks', { query, ...opts }),
  webhook: (id, opts) => request(`/api/v1/webhooks/${enc(id)}`, opts),
  retryWebhook: (id) => request(`/api/v1/webhooks/${enc(id)}/retry`, { method: 'POST' }),
  replayWebhooks: (body, key) =>
    request('/api/v1/webhooks/replay', { method: 'POST', body, headers: { 'Idempotency-Key': key } }),
};

export function errorMessage(err) {
  if (!err) return '';
  if (err instanceof ApiError) return err.message;
  return err.message || String(err);
}
