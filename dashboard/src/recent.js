// What this tab created (a refund, a test webhook), remembered for a while so that lists can
// show it before their index does.
//
// The API's lists read indexes, which on DynamoDB are eventually consistent: a list read right
// after a create may not include the new item yet (docs/api.md). The dashboard therefore shows
// what it just created itself, marked as such, until a list read includes it or the window below
// has passed; it never reports the absence as an error.
import { useSyncExternalStore } from 'react';

// Long enough for any index to catch up (AWS: typically well under a second); after it, a list
// that still lacks the item is believed (the item is on another page, or filtered out).
export const CREATED_WINDOW_MS = 60000;
const MAX_ITEMS = 50;

let entries = []; // [{kind, item, at}], newest first
const listeners = new Set();

function emit() {
  for (const listener of listeners) listener();
}

function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function rememberCreated(kind, item) {
  const rest = entries.filter((e) => !(e.kind === kind && e.item.id === item.id));
  entries = [{ kind, item, at: Date.now() }, ...rest].slice(0, MAX_ITEMS);
  emit();
}

export function forgetCreated(kind, ids) {
  const gone = new Set(ids);
  const rest = entries.filter((e) => !(e.kind === kind && gone.has(e.item.id)));
  if (rest.length !== entries.length) {
    entries = rest;
    emit();
  }
}

// Every remembered entry ({kind, item, at}); callers filter by kind.
export function useCreatedEntries() {
  return useSyncExternalStore(subscribe, () => entries);
}
