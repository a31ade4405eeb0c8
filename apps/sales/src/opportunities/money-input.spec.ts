import { GraphQLError } from 'graphql';
import { isCalendarDate } from './calendar-date';
import { parseMoneyInput, presentMoney, weightedAmount } from './money-input';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.field;
  }
  throw new Error('expected an error');
}

describe('money input and presentation', () => {
  it('normalises valid input exactly', () => {
    expect(parseMoneyInput('amount', { amount: ' 1200.50 ', currency: 'eur' })).toEqual({ amount: '1200.5', currency: 'EUR' });
    expect(parseMoneyInput('amount', { amount: '0.0001', currency: 'USD' }).amount).toBe('0.0001');
    expect(parseMoneyInput('amount', { amount: '999999999999999.9999', currency: 'USD' }).amount).toBe('999999999999999.9999');
  });

  it('names amount or currency, and refuses floats in disguise and negatives', () => {
    expect(fieldOf(() => parseMoneyInput('amount', { amount: '1e5', currency: 'EUR' }))).toBe('amount.amount');
    expect(fieldOf(() => parseMoneyInput('amount', { amount: '1.23456', currency: 'EUR' }))).toBe('amount.amount');
    expect(fieldOf(() => parseMoneyInput('amount', { amount: '1000000000000000', currency: 'EUR' }))).toBe('amount.amount');
    expect(fieldOf(() => parseMoneyInput('createOpportunity.amount', { amount: '10', currency: 'EURO' }))).toBe(
      'createOpportunity.amount.currency',
    );
    expect(fieldOf(() => parseMoneyInput('amount', { amount: '-1', currency: 'EUR' }))).toBe('amount.amount');
    // Three letters are not enough: the code must exist in ISO 4217.
    expect(fieldOf(() => parseMoneyInput('amount', { amount: '10', currency: 'ABC' }))).toBe('amount.currency');
  });

  it('presents at least the minor-unit digits, never dropping stored fractions', () => {
    expect(presentMoney('1200.0000', 'EUR')).toEqual({ amount: '1200.00', currency: 'EUR' });
    expect(presentMoney('12.3456', 'EUR').amount).toBe('12.3456');
    expect(presentMoney('5000.0000', 'JPY').amount).toBe('5000');
    expect(presentMoney('1.5', 'KWD').amount).toBe('1.500');
  });

  it('weights by probability with half-even rounding to the minor unit', () => {
    expect(weightedAmount({ amount: '1000', currency: 'EUR' }, 35)).toEqual({ amount: '350.00', currency: 'EUR' });
    // 0.10 × 25% = 0.025 → 0.02 (half-even), not 0.03 and not 0.025000000000000001
    expect(weightedAmount({ amount: '0.10', currency: 'EUR' }, 25).amount).toBe('0.02');
    expect(weightedAmount({ amount: '0.30', currency: 'EUR' }, 25).amount).toBe('0.08');
    expect(weightedAmount({ amount: '999999999999999.9999', currency: 'USD' }, 100).amount).toBe('1000000000000000.00');
    expect(weightedAmount({ amount: '1234', currency: 'JPY' }, 50).amount).toBe('617');
  });

  it('accepts only real calendar dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
    expect(isCalendarDate('2026-01-01T00:00:00Z')).toBe(false);
    expect(isCalendarDate(20260101)).toBe(false);
  });
});
