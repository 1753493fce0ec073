// A line under a live list: how many rows it is watching and when it looks again. Its data-*
// attributes let the browser tests follow the schedule without timing it.
export default function PollStatus({ poll, pending, noun = 'row', plural = `${noun}s` }) {
  const count = pending.length;
  let text = null;
  if (poll.state === 'paused') text = `Updates paused while this tab is hidden (${count} pending).`;
  else if (poll.state === 'running') text = `Checking ${count} pending ${count === 1 ? noun : plural}…`;
  else if (poll.state === 'waiting')
    text = `${count} pending ${count === 1 ? noun : plural}: checking again in ${Math.round(poll.delay / 1000)} s.`;
  return (
    <p
      className="poll-status small muted"
      data-test-id="poll-status"
      data-state={poll.state}
      data-delay={poll.delay}
      data-polls={poll.polls}
      data-pending={count}
      hidden={!text}
    >
      {text}
    </p>
  );
}
