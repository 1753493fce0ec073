const TONES = {
  success: 'good',
  processed: 'good',
  captured: 'good',
  pending: 'wait',
  created: 'wait',
  failed: 'bad',
  skipped: 'mute',
  partial: 'info',
  full: 'info',
};

export default function StatusBadge({ status, testId, label }) {
  const tone = TONES[status] || 'mute';
  return (
    <span className={`badge badge-${tone}`} data-test-id={testId} data-status={status}>
      {label || status || '—'}
    </span>
  );
}
