import { Notice } from './States.jsx';

// Said above a list showing items this tab created that the list's own read did not include yet.
export default function JustCreated({ ids, noun, plural = `${noun}s` }) {
  if (!ids.length) return null;
  return (
    <Notice kind="info" testId="just-created-note">
      {ids.length === 1
        ? `The ${noun} ${ids[0]} was just created: it may take a moment to appear in this list, and is shown here meanwhile.`
        : `${ids.length} ${plural} were just created: they may take a moment to appear in this list, and are shown here meanwhile.`}
    </Notice>
  );
}
