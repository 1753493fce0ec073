// A small client-side router: the dashboard has nine routes, which does not justify a
// router dependency. History API paths (the dashboard server falls back to index.html).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

const RouterContext = createContext(null);

// `state` is the history entry's own state (kept across reloads and back/forward), or null.
function currentLocation() {
  return { pathname: window.location.pathname, search: window.location.search, state: window.history.state };
}

export function Router({ children }) {
  const [location, setLocation] = useState(currentLocation);

  useEffect(() => {
    const onPop = () => setLocation(currentLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to, { replace = false, state = null } = {}) => {
    const target = new URL(to, window.location.origin);
    const href = target.pathname + target.search + target.hash;
    if (href === window.location.pathname + window.location.search + window.location.hash) return;
    if (replace) window.history.replaceState(state, '', href);
    else window.history.pushState(state, '', href);
    setLocation(currentLocation());
    if (!replace) window.scrollTo(0, 0);
  }, []);

  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter() {
  return useContext(RouterContext);
}

export function useQuery() {
  const { location } = useRouter();
  return useMemo(() => new URLSearchParams(location.search), [location.search]);
}

// "/payments/:id" against "/payments/pay_1" -> {id: "pay_1"}, or null.
export function matchPath(pattern, pathname) {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(':')) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(have[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== have[i]) {
      return null;
    }
  }
  return params;
}

export function Link({ to, children, onClick, ...rest }) {
  const { navigate } = useRouter();
  const handle = (event) => {
    if (onClick) onClick(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
