// Reloads what a page shows: `source` is anything with reload() and loading (useResource,
// useLiveList). Disabled while a load is under way, so clicks do not stack requests.
export default function RefreshButton({ source, testId }) {
  return (
    <button
      type="button"
      className="btn btn-secondary btn-small"
      onClick={() => source.reload()}
      disabled={source.loading}
      data-test-id={testId}
    >
      Refresh
    </button>
  );
}
