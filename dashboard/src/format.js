// Money arrives in integer minor units; these helpers turn it into text for people and back.
// The exponents follow ISO 4217, as the API does (chalicelib/domain/money.py): Intl's own
// digits for a few currencies (IQD, RSD, ...) follow CLDR and would disagree with the API.
const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ');
const THREE = 'BHD IQD JOD KWD LYD OMR TND'.split(' ');
const FOUR = 'CLF UYW'.split(' ');

export function currencyExponent(currency) {
  const code = String(currency || '').toUpperCase();
  if (ZERO.includes(code)) return 0;
  if (THREE.includes(code)) return 3;
  if (FOUR.includes(code)) return 4;
  return 2;
}

// "12345", 2 -> "123.45" without floating point, so large amounts stay exact.
function minorToDecimalString(minor, exponent) {
  const negative = minor < 0;
  const digits = String(Math.abs(Math.trunc(minor)));
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const major = padded.slice(0, padded.length - exponent);
  const fraction = padded.slice(padded.length - exponent);
  return `${negative ? '-' : ''}${major}.${fraction}`;
}

const formatters = new Map();

function currencyFormatter(currency, exponent) {
  const key = `${currency}:${exponent}`;
  if (!formatters.has(key)) {
    let formatter;
    try {
      formatter = new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
      });
    } catch {
      formatter = null; // not a well-formed currency code
    }
    formatters.set(key, formatter);
  }
  return formatters.get(key);
}

export function formatAmount(minor, currency = 'INR') {
  if (minor === null || minor === undefined || Number.isNaN(Number(minor))) return '—';
  const code = String(currency || 'INR').toUpperCase();
  const exponent = currencyExponent(code);
  const decimal = minorToDecimalString(Number(minor), exponent);
  const formatter = currencyFormatter(code, exponent);
  if (!formatter) return `${decimal} ${code}`;
  // Intl formats decimal strings exactly (no float rounding) in current browsers.
  return formatter.format(decimal);
}

// The major-unit text a person typed ("12.5") -> minor units (1250), or an error message.
export function parseAmount(text, currency = 'INR') {
  const exponent = currencyExponent(currency);
  const value = String(text ?? '')
    .trim()
    .replace(/,/g, '');
  const pattern = exponent === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${exponent}})?$|^\\.\\d{1,${exponent}}$`);
  if (!value) return { error: 'Enter an amount' };
  if (!pattern.test(value)) {
    return {
      error:
        exponent === 0
          ? `Enter a whole number of ${currency}`
          : `Enter an amount with at most ${exponent} decimal places`,
    };
  }
  const [major, fraction = ''] = value.split('.');
  const minor = Number((major || '0') + fraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) return { error: 'That amount is too large' };
  if (minor <= 0) return { error: 'Enter an amount above zero' };
  return { minor };
}

export function minorToInput(minor, currency = 'INR') {
  return minorToDecimalString(minor, currencyExponent(currency));
}

const dateTimeFormatter = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

// API times are UTC ISO-8601; people read them in the browser's own time zone.
export function formatDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return dateTimeFormatter.format(date);
}

export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

// Chart days are calendar dates ("2026-11-28"): shown as such, never shifted by the zone.
const dayFormatter = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

export function formatDay(date) {
  const parsed = new Date(`${String(date).slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return String(date);
  return dayFormatter.format(parsed);
}

const numberFormatter = new Intl.NumberFormat();

export function formatCount(value) {
  if (value === null || value === undefined) return '—';
  return numberFormatter.format(value);
}

// success_rate is a percentage (0-100), e.g. 95.5.
export function formatRate(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  const percent = Number(value);
  return `${percent.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
