// Amounts travel as integers in minor units (paise for INR). Intl knows how many minor digits
// each ISO 4217 currency has (0 for JPY, 3 for KWD, 2 by default, as on the server).

function formatter(currency, locale) {
  return new Intl.NumberFormat(locale, { style: 'currency', currency });
}

export function minorDigits(currency) {
  return formatter(currency, 'en').resolvedOptions().maximumFractionDigits;
}

// The decimal text of an amount in major units, built from the integer so that no binary
// floating point is involved: 50000, "INR" -> "500.00".
export function toMajorUnits(amount, digits) {
  const negative = amount < 0;
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  const major = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return negative ? `-${major}` : major;
}

// 50000, "INR" -> "₹500.00" in the buyer's locale (undefined means the browser's).
export function formatAmount(amount, currency, locale) {
  const code = String(currency).toUpperCase();
  const format = formatter(code, locale);
  const digits = format.resolvedOptions().maximumFractionDigits;
  // format() takes decimal strings exactly in current engines, and as Numbers in older ones.
  return format.format(toMajorUnits(amount, digits));
}
