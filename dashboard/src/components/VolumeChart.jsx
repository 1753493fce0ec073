// Volume and outcomes per day, drawn as SVG: stacked bars count successful, failed and
// pending payments (left axis); the line is the amount (right axis). No chart library:
// this is the only chart, and a library would outweigh the rest of the bundle.
import { useEffect, useRef, useState } from 'react';
import { currencyExponent, formatAmount, formatCount, formatDay } from '../format.js';

const H = 260;

// The drawing is as wide as its box (within limits), so labels keep their size on a phone.
function useWidth(ref, fallback) {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const next = Math.round(entries[0].contentRect.width);
      if (next > 0) setWidth(next);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
const PAD = { top: 16, right: 64, bottom: 34, left: 40 };

// The smallest "round" step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`.
function niceStep(raw, integer) {
  if (!(raw > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
    const step = m * exp;
    if (step >= raw && (!integer || Number.isInteger(step))) return step;
  }
  return 10 * exp;
}

// Whole-number count ticks, and an amount axis cut into as many round steps, so both share
// the grid lines.
function scales(maxCountRaw, maxAmountRaw) {
  const countStep = Math.max(1, niceStep(maxCountRaw / 4, true));
  const intervals = Math.max(1, Math.ceil(maxCountRaw / countStep));
  const amountStep = niceStep(maxAmountRaw / intervals, false);
  return { intervals, maxCount: countStep * intervals, maxAmount: amountStep * intervals };
}

function compactAmount(minor, currency) {
  const major = minor / 10 ** currencyExponent(currency);
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      notation: 'compact',
      maximumFractionDigits: 1,
    }).format(major);
  } catch {
    return String(major);
  }
}

export default function VolumeChart({ series, currency = 'INR' }) {
  const box = useRef(null);
  const W = Math.max(300, Math.min(useWidth(box, 720), 1100));
  const days = series || [];
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const { intervals, maxCount, maxAmount } = scales(
    Math.max(0, ...days.map((d) => d.count || 0)),
    Math.max(0, ...days.map((d) => d.amount || 0)),
  );
  const slot = innerW / Math.max(days.length, 1);
  const barW = Math.max(2, Math.min(28, slot * 0.6));
  const y = (count) => PAD.top + innerH - (count / maxCount) * innerH;
  const yAmount = (amount) => PAD.top + innerH - (amount / maxAmount) * innerH;
  const x = (i) => PAD.left + slot * i + slot / 2;
  const labelEvery = Math.ceil(days.length / Math.max(2, Math.floor(innerW / 70))) || 1;
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => i / intervals);
  const line = days
    .map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yAmount(d.amount || 0).toFixed(1)}`)
    .join(' ');
  const totals = days.reduce(
    (acc, d) => ({
      count: acc.count + (d.count || 0),
      success: acc.success + (d.success || 0),
      failed: acc.failed + (d.failed || 0),
    }),
    { count: 0, success: 0, failed: 0 },
  );

  return (
    <figure className="chart" data-test-id="volume-chart" ref={box}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Payments per day over ${days.length} days: ${totals.count} payments, ${totals.success} successful, ${totals.failed} failed.`}
        preserveAspectRatio="xMidYMid meet"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(maxCount * t)} y2={y(maxCount * t)} />
            <text className="axis" x={PAD.left - 6} y={y(maxCount * t) + 4} textAnchor="end">
              {formatCount(Math.round(maxCount * t))}
            </text>
            <text className="axis" x={W - PAD.right + 6} y={yAmount(maxAmount * t) + 4} textAnchor="start">
              {compactAmount(maxAmount * t, currency)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const success = d.success || 0;
          const failed = d.failed || 0;
          const pending = d.pending || Math.max(0, (d.count || 0) - success - failed);
          const left = x(i) - barW / 2;
          const ySuccess = y(success);
          const yFailed = y(success + failed);
          const yPending = y(success + failed + pending);
          return (
            <g key={d.date} data-test-id="chart-day" data-date={d.date}>
              <title>
                {`${formatDay(d.date)}: ${formatCount(d.count || 0)} payments, ${formatAmount(d.amount || 0, currency)} — ${success} succeeded, ${failed} failed, ${pending} pending`}
              </title>
              <rect className="bar-hit" x={PAD.left + slot * i} y={PAD.top} width={slot} height={innerH} />
              {success > 0 ? (
                <rect className="bar-success" x={left} y={ySuccess} width={barW} height={y(0) - ySuccess} />
              ) : null}
              {failed > 0 ? (
                <rect className="bar-failed" x={left} y={yFailed} width={barW} height={ySuccess - yFailed} />
              ) : null}
              {pending > 0 ? (
                <rect className="bar-pending" x={left} y={yPending} width={barW} height={yFailed - yPending} />
              ) : null}
              {i % labelEvery === 0 ? (
                <text className="axis" x={x(i)} y={H - PAD.bottom + 16} textAnchor="middle">
                  {formatDay(d.date)}
                </text>
              ) : null}
            </g>
          );
        })}
        {days.length > 1 ? <path className="volume-line" d={line} /> : null}
        {days.map((d, i) => (
          <circle
            key={d.date}
            className="volume-dot"
            cx={x(i)}
            cy={yAmount(d.amount || 0)}
            r={days.length > 40 ? 1.5 : 2.5}
          />
        ))}
        <line className="axis-line" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption className="legend">
        <span>
          <i className="swatch swatch-success" /> Successful
        </span>
        <span>
          <i className="swatch swatch-failed" /> Failed
        </span>
        <span>
          <i className="swatch swatch-pending" /> Pending
        </span>
        <span>
          <i className="swatch swatch-line" /> Volume ({currency})
        </span>
      </figcaption>
    </figure>
  );
}
