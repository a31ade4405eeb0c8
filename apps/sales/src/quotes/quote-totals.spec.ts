import type { GraphQLError } from 'graphql';
import { parsePercent, parseQuantity, quoteTotals } from './quote-totals';
import { effectiveStatus, quoteNumber, requireDraft, requireFutureExpiry, requireSent } from './quote-rules';

const line = (quantity: string, unitPrice: string, discountPercent = '0') => ({ quantity, unitPrice, discountPercent });

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error('expected an error');
}

describe('quote totals (exact, half-even per line, then tax on the subtotal)', () => {
  it('computes line nets, subtotal, tax and total', () => {
    const t = quoteTotals('EUR', [line('3', '19.99'), line('2.5', '40', '10')], '19');
    expect(t.lineTotals.map((m) => m.amount)).toEqual(['59.97', '90.00']);
    expect(t).toMatchObject({ subtotal: { amount: '149.97' }, tax: { amount: '28.49' }, total: { amount: '178.46', currency: 'EUR' } });
  });

  it('rounds a half cent to even: 0.005 → 0.00, 0.015 → 0.02, 0.025 → 0.02', () => {
    expect(quoteTotals('EUR', [line('1', '0.005')], '0').lineTotals[0].amount).toBe('0.00');
    expect(quoteTotals('EUR', [line('1', '0.015')], '0').lineTotals[0].amount).toBe('0.02');
    expect(quoteTotals('EUR', [line('1', '0.025')], '0').lineTotals[0].amount).toBe('0.02');
    // tax: 0.10 × 25% = 0.025 → 0.02 (never 0.025000000000000001 → 0.03)
    expect(quoteTotals('EUR', [line('1', '0.10')], '25').tax.amount).toBe('0.02');
  });

  it('uses no decimals for JPY', () => {
    const t = quoteTotals('JPY', [line('3', '333.5'), line('1', '100.5')], '10');
    // 1000.5 → 1000 (even), 100.5 → 100 (even); subtotal 1100; tax 110
    expect(t.lineTotals.map((m) => m.amount)).toEqual(['1000', '100']);
    expect(t).toMatchObject({ subtotal: { amount: '1100' }, tax: { amount: '110' }, total: { amount: '1210', currency: 'JPY' } });
    expect(quoteTotals('JPY', [line('1', '2.5')], '0').total.amount).toBe('2');
  });

  it('a 100% discount makes the line zero', () => {
    const t = quoteTotals('USD', [line('7', '123.45', '100'), line('1', '10')], '8.25');
    expect(t.lineTotals[0].amount).toBe('0.00');
    expect(t).toMatchObject({ subtotal: { amount: '10.00' }, tax: { amount: '0.82' }, total: { amount: '10.82' } });
  });

  it('rounds each line, not the sum: 3 × 0.005-lines give 0.00, where the unrounded sum would round to 0.02', () => {
    const lines = [line('1', '0.005'), line('1', '0.005'), line('1', '0.005')];
    const t = quoteTotals('EUR', lines, '0');
    expect(t.subtotal.amount).toBe('0.00');
    // 100 lines of 1 × 0.125 (→ 0.12 each): per-line 12.00, the sum of the raw values would be 12.50
    const many = quoteTotals(
      'EUR',
      Array.from({ length: 100 }, () => line('1', '0.125')),
      '0',
    );
    expect(many.subtotal.amount).toBe('12.00');
    // 3 × (1/3 of 1.00 with discount): 0.333… each → 0.33, so 0.99 not 1.00
    const thirds = quoteTotals(
      'EUR',
      Array.from({ length: 3 }, () => line('1', '1', '66.6667')),
      '0',
    );
    expect(thirds.subtotal.amount).toBe('0.99');
  });

  it('handles large exact amounts without floats', () => {
    const t = quoteTotals('USD', [line('999999999', '999999.9999')], '0');
    // 999999999 × 999999.9999 = 999999998900000.0001 exactly
    expect(t.total.amount).toBe('999999998900000.00');
    expect(() => quoteTotals('USD', [line('999999999', '9999999.9999')], '0')).toThrow(/too large/);
    expect(quoteTotals('EUR', [], '19')).toMatchObject({
      subtotal: { amount: '0.00' },
      tax: { amount: '0.00' },
      total: { amount: '0.00' },
    });
  });

  it('validates quantities and percentages, naming the field', () => {
    expect(parseQuantity('q', ' 2.50 ')).toBe('2.5');
    expect(errorOf(() => parseQuantity('lines[0].quantity', '0'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines[0].quantity' });
    expect(errorOf(() => parseQuantity('q', '-1')).field).toBe('q');
    expect(errorOf(() => parseQuantity('q', '1e3')).field).toBe('q');
    expect(errorOf(() => parseQuantity('q', '1.23456')).field).toBe('q');
    expect(parsePercent('d', null)).toBe('0');
    expect(parsePercent('d', '100')).toBe('100');
    expect(parsePercent('d', '7.50')).toBe('7.5');
    expect(errorOf(() => parsePercent('d', '100.01')).field).toBe('d');
    expect(errorOf(() => parsePercent('d', '-5')).field).toBe('d');
  });
});

describe('quote status rules', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const q = (status: 'DRAFT' | 'SENT' | 'ACCEPTED', expiresAt: string) => ({
    number: 'Q-2026-0001',
    status,
    expiresAt: new Date(expiresAt),
  });

  it('a SENT quote past expiresAt reads as EXPIRED; drafts and final states do not expire', () => {
    expect(effectiveStatus(q('SENT', '2026-06-01T12:00:01Z'), now)).toBe('SENT');
    expect(effectiveStatus(q('SENT', '2026-06-01T12:00:00Z'), now)).toBe('EXPIRED');
    expect(effectiveStatus(q('DRAFT', '2026-01-01T00:00:00Z'), now)).toBe('DRAFT');
    expect(effectiveStatus(q('ACCEPTED', '2026-01-01T00:00:00Z'), now)).toBe('ACCEPTED');
  });

  it('only drafts are edited; only unexpired SENT quotes are answered (CONFLICT otherwise)', () => {
    expect(() => requireDraft(q('DRAFT', '2026-01-01T00:00:00Z'), now)).not.toThrow();
    expect(errorOf(() => requireDraft(q('SENT', '2027-01-01T00:00:00Z'), now)).code).toBe('CONFLICT');
    expect(() => requireSent(q('SENT', '2027-01-01T00:00:00Z'), now)).not.toThrow();
    expect(errorOf(() => requireSent(q('SENT', '2026-01-01T00:00:00Z'), now)).code).toBe('CONFLICT');
    expect(errorOf(() => requireSent(q('ACCEPTED', '2027-01-01T00:00:00Z'), now)).code).toBe('CONFLICT');
    expect(errorOf(() => requireFutureExpiry('expiresAt', new Date('2026-06-01T11:00:00Z'), now)).field).toBe('expiresAt');
  });

  it('numbers quotes per year with at least four digits', () => {
    expect(quoteNumber(2026, 1)).toBe('Q-2026-0001');
    expect(quoteNumber(2026, 12345)).toBe('Q-2026-12345');
  });
});
