// Client-side checks that mirror the gateway's (chalicelib/domain/instruments.py).
// They exist to give the buyer a fast, precise message; the server checks everything again.

// The server's VPA pattern, character for character.
export const VPA_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9.-]{1,63}$/;

export function isValidVpa(vpa) {
  return typeof vpa === 'string' && VPA_PATTERN.test(vpa);
}

// Cards are typed in groups: spaces and dashes carry no meaning.
export function digitsOnly(number) {
  return String(number).replace(/[\s-]/g, '');
}

export function passesLuhn(number) {
  if (!/^\d{12,19}$/.test(number)) return false;
  let total = 0;
  for (let i = 0; i < number.length; i += 1) {
    let digit = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    total += digit;
  }
  return total % 10 === 0;
}

const RUPAY = [
  [508500, 508999],
  [606985, 607984],
  [608001, 608500],
  [652150, 653149],
  [817100, 820199],
];

function inRanges(value, ranges) {
  return ranges.some((range) => value >= range[0] && value <= range[1]);
}

// visa, mastercard, amex, rupay or unknown: the same order of checks as the server.
export function cardNetwork(number) {
  if (!/^\d{6,}$/.test(number)) return 'unknown';
  const six = Number(number.slice(0, 6));
  if (inRanges(six, RUPAY) || /^(60|65|81|82)/.test(number)) return 'rupay';
  if (number[0] === '4') return 'visa';
  if (inRanges(Number(number.slice(0, 2)), [[51, 55]]) || inRanges(Number(number.slice(0, 4)), [[2221, 2720]]))
    return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  return 'unknown';
}

// "MM/YY" or "MM/YYYY" (spaces around the slash allowed) -> {month, year} with a 4-digit
// year, or null when the text has neither shape. Two-digit years mean this century, as on
// the server.
export function parseExpiry(text) {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(String(text));
  if (!match) return null;
  const month = Number(match[1]);
  let year = Number(match[2]);
  if (match[2].length === 2) year += 2000;
  return { month, year };
}

// A card is valid through the last day of its expiry month. The server compares with its
// own clock in UTC, so this does too.
export function isExpired(month, year, now) {
  const thisYear = now.getUTCFullYear();
  const thisMonth = now.getUTCMonth() + 1;
  return year < thisYear || (year === thisYear && month < thisMonth);
}

// The server takes 2-digit years and 4-digit years up to 2199.
export const MAX_EXPIRY_YEAR = 2199;

export function isValidCvv(cvv) {
  return /^\d{3,4}$/.test(String(cvv));
}

export const HOLDER_NAME_MAX = 100;

// Each validator answers an error message for the buyer, or null when the value is fine.
export function vpaError(value) {
  const vpa = String(value).trim();
  if (!vpa) return 'Enter your UPI ID';
  if (!isValidVpa(vpa)) return 'Enter a valid UPI ID, like name@bank';
  return null;
}

export function cardNumberError(value) {
  const number = digitsOnly(value);
  if (!number) return 'Enter your card number';
  if (!/^\d+$/.test(number)) return 'A card number has digits only';
  if (number.length < 12 || number.length > 19) return 'A card number has 12 to 19 digits';
  if (!passesLuhn(number)) return 'This card number is not valid';
  return null;
}

export function expiryError(value, now) {
  if (!String(value).trim()) return 'Enter the expiry date';
  const expiry = parseExpiry(value);
  if (!expiry) return 'Enter the expiry as MM/YY';
  if (expiry.month < 1 || expiry.month > 12) return 'The expiry month must be from 01 to 12';
  if (expiry.year > MAX_EXPIRY_YEAR) return 'Enter a real expiry year';
  if (isExpired(expiry.month, expiry.year, now)) return 'This card has expired';
  return null;
}

export function cvvError(value) {
  const cvv = String(value).trim();
  if (!cvv) return 'Enter the CVV';
  if (!isValidCvv(cvv)) return 'The CVV has 3 or 4 digits';
  return null;
}

export function holderNameError(value) {
  if (String(value).trim().length > HOLDER_NAME_MAX) {
    return `The name can have at most ${HOLDER_NAME_MAX} characters`;
  }
  return null;
}

// Groups digits the way they are printed on the card: 4-6-5 for amex, fours otherwise.
export function formatCardNumber(value) {
  const number = digitsOnly(value).replace(/\D/g, '').slice(0, 19);
  const groups = cardNetwork(number) === 'amex' ? [4, 6, 5] : [4, 4, 4, 4, 3];
  const parts = [];
  let start = 0;
  for (const size of groups) {
    if (start >= number.length) break;
    parts.push(number.slice(start, start + size));
    start += size;
  }
  return parts.join(' ');
}
