import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

function sameDeps(a, b) {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

// Loads something from the API: {data, error, loading, reload, setData}. A newer load
// supersedes an older one, and nothing is set after the component is gone.
export function useResource(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  // New deps mean a new load: mark it loading while rendering (no extra render from an effect).
  const [loadedDeps, setLoadedDeps] = useState(deps);
  if (!sameDeps(loadedDeps, deps)) {
    setLoadedDeps(deps);
    setState((s) => ({ data: s.data, error: null, loading: true }));
  }
  const generation = useRef(0);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });

  // Starts a load; its answer lands in the state unless a newer load started meanwhile.
  const fetchData = useCallback((quiet) => {
    const mine = ++generation.current;
    const controller = new AbortController();
    Promise.resolve()
      .then(() => loadRef.current({ signal: controller.signal }))
      .then(
        (data) => {
          if (mine === generation.current) setState({ data, error: null, loading: false });
        },
        (error) => {
          if (error && error.name === 'AbortError') return;
          if (mine === generation.current) {
            // A failed background refresh keeps what is on screen and reports the error.
            setState((s) => ({ data: quiet ? s.data : null, error, loading: false }));
          }
        },
      );
    return controller;
  }, []);

  useEffect(() => {
    const controller = fetchData(false);
    return () => {
      generation.current += 1;
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps decide when to load again, as with useEffect
  }, deps);

  const reload = useCallback(
    (opts = {}) => {
      const quiet = Boolean(opts.quiet);
      if (!quiet) setState((s) => ({ data: s.data, error: null, loading: true }));
      return fetchData(quiet);
    },
    [fetchData],
  );
  const setData = useCallback((update) => {
    setState((s) => ({ ...s, data: typeof update === 'function' ? update(s.data) : update }));
  }, []);
  return { ...state, reload, setData };
}

export function useDocumentTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · Merchant dashboard` : 'Merchant dashboard';
  }, [title]);
}
