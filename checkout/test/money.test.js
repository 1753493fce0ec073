import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAmount, minorDigits, toMajorUnits } from '../src/shared/money.js';

test('minor units become exact decimal text', () => {
  assert.equal(toMajorUnits(50000, 2), '500.00');
  assert.equal(toMajorUnits(5, 2), '0.05');
  assert.equal(toMajorUnits(1500, 0), '1500');
  assert.equal(toMajorUnits(1234, 3), '1.234');
  assert.equal(toMajorUnits(999999999999, 2), '9999999999.99');
  assert.equal(toMajorUnits(-150, 2), '-1.50');
});

test('each currency keeps its own number of minor digits', () => {
  assert.equal(minorDigits('INR'), 2);
  assert.equal(minorDigits('JPY'), 0);
  assert.equal(minorDigits('KWD'), 3);
});

test('amounts are formatted by currency and locale', () => {
  assert.equal(formatAmount(50000, 'INR', 'en-IN'), '₹500.00');
  assert.equal(formatAmount(12345678, 'INR', 'en-IN'), '₹1,23,456.78');
  assert.equal(formatAmount(1500, 'JPY', 'en-US'), '¥1,500');
  assert.match(formatAmount(1234, 'KWD', 'en-US'), /^KWD\s1\.234$/);
  assert.equal(formatAmount(199, 'usd', 'en-US'), '$1.99');
  assert.throws(() => formatAmount(100, 'RUPEES', 'en-US'), RangeError);
});
