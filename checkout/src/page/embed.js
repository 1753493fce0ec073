// How the page, when the SDK embeds it, talks to the merchant's page: postMessage with an
// explicit targetOrigin, the merchant origin that the SDK passed as `parent_origin`.

// "https://shop.example:8443" -> the same string; anything that is not exactly an http(s)
// origin (a path, credentials, "*", "null", javascript:...) -> null.
export function normalizeOrigin(value) {
  if (typeof value !== 'string' || !value) return null;
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' && url.pathname !== '') return null;
  if (value.replace(/\/$/, '') !== url.origin) return null;
  return url.origin;
}

// The origin of the page that embeds this one, as the browser knows it, when it tells:
// Chromium and WebKit expose location.ancestorOrigins; the referrer is the fallback.
function actualParentOrigin(win) {
  const ancestors = win.location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  if (win.document.referrer) {
    try {
      return new URL(win.document.referrer).origin;
    } catch {
      return null;
    }
  }
  return null;
}

// Answers {parentOrigin, post(message)} or {error} when the page cannot talk to its parent
// safely. A claimed parent origin that differs from the real one is refused, so a page that
// frames the checkout cannot pass itself off as a merchant.
export function connectToParent(win, claimedOrigin) {
  if (win.parent === win) return { error: 'This checkout is meant to be opened by checkout.js.' };
  const parentOrigin = normalizeOrigin(claimedOrigin);
  if (!parentOrigin) return { error: 'This checkout was embedded without a valid parent origin.' };
  const actual = actualParentOrigin(win);
  if (actual && actual !== parentOrigin) {
    return { error: 'This checkout was embedded by a page it does not belong to.' };
  }
  return {
    parentOrigin,
    post(message) {
      win.parent.postMessage(message, parentOrigin);
    },
  };
}
