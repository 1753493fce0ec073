// Unit tests of the pure checkout logic: node --test (npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cardNetwork,
  cardNumberError,
  cvvError,
  digitsOnly,
  expiryError,
  formatCardNumber,
  holderNameError,
  isExpired,
  isValidVpa,
  parseExpiry,
  passesLuhn,
  vpaError,
} from '../src/shared/validation.js';

test('VPA: the server pattern, name@handle', () => {
  for (const vpa of ['success@test', 'failure@test', 'a.b-c_d@okhdfcbank', 'ab@x1', '9876543210@ybl']) {
    assert.equal(isValidVpa(vpa), true, vpa);
  }
  for (const vpa of [
    '',
    'a@bank',
    'name',
    'name@',
    '@bank',
    '.name@bank',
    'name@1bank',
    'name@b',
    'na me@bank',
    'name@@bank',
    'name@bank_x',
    `a${'b'.repeat(256)}@bank`,
    `ab@b${'c'.repeat(64)}`,
  ]) {
    assert.equal(isValidVpa(vpa), false, vpa);
  }
  assert.equal(isValidVpa(`a${'b'.repeat(255)}@bank`), true);
  assert.equal(isValidVpa(`ab@b${'c'.repeat(63)}`), true);
  assert.equal(vpaError('  '), 'Enter your UPI ID');
  assert.equal(vpaError('not-a-vpa'), 'Enter a valid UPI ID, like name@bank');
  assert.equal(vpaError(' success@test '), null);
});

test('card number: Luhn over 12 to 19 digits, spaces and dashes ignored', () => {
  assert.equal(digitsOnly('4111 1111-1111 1111'), '4111111111111111');
  assert.equal(passesLuhn('4111111111111111'), true);
  assert.equal(passesLuhn('4000000000000002'), true);
  assert.equal(passesLuhn('4111111111111112'), false);
  assert.equal(passesLuhn('378282246310005'), true); // amex, 15 digits
  assert.equal(passesLuhn('00000000000'), false); // 11 digits, even though the sum is 0
  assert.equal(passesLuhn('000000000000'), true); // 12 digits
  assert.equal(passesLuhn('0'.repeat(20)), false);
  assert.equal(cardNumberError(''), 'Enter your card number');
  assert.equal(cardNumberError('4111 abcd'), 'A card number has digits only');
  assert.equal(cardNumberError('4111 1111'), 'A card number has 12 to 19 digits');
  assert.equal(cardNumberError('4111 1111 1111 1112'), 'This card number is not valid');
  assert.equal(cardNumberError('4111-1111-1111-1111'), null);
});

test('card network: the server order of checks', () => {
  assert.equal(cardNetwork('4111111111111111'), 'visa');
  assert.equal(cardNetwork('5555555555554444'), 'mastercard');
  assert.equal(cardNetwork('2221000000000009'), 'mastercard');
  assert.equal(cardNetwork('378282246310005'), 'amex');
  assert.equal(cardNetwork('6521500000000000'), 'rupay');
  assert.equal(cardNetwork('5085000000000000'), 'rupay'); // RuPay before Mastercard-looking 50
  assert.equal(cardNetwork('8171000000000000'), 'rupay');
  assert.equal(cardNetwork('9999999999999999'), 'unknown');
  assert.equal(cardNetwork('41111'), 'unknown');
});

test('expiry: MM/YY or MM/YYYY, valid through the end of its month (UTC)', () => {
  assert.deepEqual(parseExpiry('12/30'), { month: 12, year: 2030 });
  assert.deepEqual(parseExpiry(' 1 / 2031 '), { month: 1, year: 2031 });
  assert.equal(parseExpiry('1230'), null);
  assert.equal(parseExpiry('12/3'), null);
  assert.equal(parseExpiry('12/203'), null);
  const now = new Date(Date.UTC(2026, 10, 28, 5, 0)); // November 2026
  assert.equal(isExpired(11, 2026, now), false);
  assert.equal(isExpired(10, 2026, now), true);
  assert.equal(isExpired(1, 2027, now), false);
  assert.equal(isExpired(12, 2025, now), true);
  assert.equal(expiryError('', now), 'Enter the expiry date');
  assert.equal(expiryError('12-30', now), 'Enter the expiry as MM/YY');
  assert.equal(expiryError('13/30', now), 'The expiry month must be from 01 to 12');
  assert.equal(expiryError('00/30', now), 'The expiry month must be from 01 to 12');
  assert.equal(expiryError('10/26', now), 'This card has expired');
  assert.equal(expiryError('11/26', now), null);
  assert.equal(expiryError('01/2020', now), 'This card has expired');
  assert.equal(expiryError('12/2030', now), null);
  assert.equal(expiryError('12/2199', now), null);
  assert.equal(expiryError('12/2200', now), 'Enter a real expiry year');
});

test('CVV: 3 or 4 digits; the holder name is optional but bounded', () => {
  assert.equal(cvvError('123'), null);
  assert.equal(cvvError('1234'), null);
  assert.equal(cvvError(''), 'Enter the CVV');
  assert.equal(cvvError('12'), 'The CVV has 3 or 4 digits');
  assert.equal(cvvError('12345'), 'The CVV has 3 or 4 digits');
  assert.equal(cvvError('12a'), 'The CVV has 3 or 4 digits');
  assert.equal(holderNameError(''), null);
  assert.equal(holderNameError('A Buyer'), null);
  assert.match(holderNameError('x'.repeat(101)), /at most 100/);
});

test('card numbers are grouped as printed', () => {
  assert.equal(formatCardNumber('4111111111111111'), '4111 1111 1111 1111');
  assert.equal(formatCardNumber('4111-1111 11'), '4111 1111 11');
  assert.equal(formatCardNumber('378282246310005'), '3782 822463 10005');
  assert.equal(formatCardNumber('4111111111111111123'), '4111 1111 1111 1111 123');
});
