// Runtime configuration: the dashboard server serves /config.js, which sets
// window.__DASHBOARD_CONFIG__ = {apiUrl, checkoutUrl}. The same build therefore works against
// any API. Without it (vite dev server) the local defaults apply.
const runtime = (typeof window !== 'undefined' && window.__DASHBOARD_CONFIG__) || {};

function trimSlash(url) {
  return String(url).replace(/\/+$/, '');
}

export const API_URL = trimSlash(runtime.apiUrl || 'http://127.0.0.1:8000');
export const CHECKOUT_URL = trimSlash(runtime.checkoutUrl || 'http://127.0.0.1:3001');
