// Polling with exponential backoff, paused while the tab is hidden.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export const POLL_BASE_MS = 1000;
export const POLL_MAX_MS = 30000;

function hidden() {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/**
 * Calls `tick(signal)` while `active`: first `baseMs` after it becomes active, then with the wait
 * doubling after every call up to `maxMs` (1, 2, 4, 8, 16, 30, 30 s...); one call at a time (the
 * next wait starts when a call ends). Nothing is called while the tab is hidden; when it shows
 * again, a call is made at once and the waits start again from `baseMs`. `kick()`, after a user
 * action (which read fresh data itself), starts the waits again from `baseMs`; so does a change
 * of `resetKey` (a new page, other filters).
 *
 * Returns {kick, state: 'idle'|'waiting'|'running'|'paused', delay (the current wait), polls}.
 */
export function useBackoffPolling(tick, active, { baseMs = POLL_BASE_MS, maxMs = POLL_MAX_MS, resetKey = '' } = {}) {
  const tickRef = useRef(tick);
  useLayoutEffect(() => {
    tickRef.current = tick;
  });
  const [status, setStatus] = useState({ state: 'idle', delay: baseMs, polls: 0 });
  const kickRef = useRef(() => {});

  useEffect(() => {
    if (!active) return undefined;
    let stopped = false;
    let running = false;
    let timer = null;
    let delay = baseMs;
    let restart = false; // a user action came during a call: the next wait is baseMs
    const controller = new AbortController();

    const schedule = () => {
      window.clearTimeout(timer);
      timer = null;
      if (stopped || running) return;
      if (hidden()) {
        setStatus((s) => ({ ...s, state: 'paused', delay }));
        return;
      }
      setStatus((s) => ({ ...s, state: 'waiting', delay }));
      timer = window.setTimeout(() => run(), delay);
    };
    // `fromStart`: a call made at once for a user, after which the wait starts at baseMs again.
    const run = async (fromStart = false) => {
      timer = null;
      if (stopped) return;
      running = true;
      setStatus((s) => ({ ...s, state: 'running', delay }));
      try {
        await tickRef.current(controller.signal);
      } catch {
        /* the next call tries again, after a longer wait */
      }
      running = false;
      if (stopped) return;
      delay = fromStart || restart ? baseMs : Math.min(delay * 2, maxMs);
      restart = false;
      setStatus((s) => ({ ...s, polls: s.polls + 1 }));
      schedule();
    };
    // Now, from the start of the schedule (a user action, or the tab showing again).
    const now = () => {
      delay = baseMs;
      restart = running;
      if (running || stopped || hidden()) {
        schedule();
        return;
      }
      window.clearTimeout(timer);
      run(true);
    };
    const onVisibility = () => (hidden() ? schedule() : now());

    kickRef.current = () => {
      delay = baseMs;
      restart = running;
      schedule();
    };
    document.addEventListener('visibilitychange', onVisibility);
    schedule();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      controller.abort();
      document.removeEventListener('visibilitychange', onVisibility);
      kickRef.current = () => {};
    };
  }, [active, baseMs, maxMs, resetKey]);

  const kick = useCallback(() => kickRef.current(), []);
  return active ? { ...status, kick } : { ...status, state: 'idle', delay: baseMs, kick };
}
