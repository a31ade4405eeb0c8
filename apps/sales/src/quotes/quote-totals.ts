import { badUserInput } from '@rapport/auth';
import { add, decimal, multiply, round, sum, type Money } from '@rapport/money';

/** A line as priced: exact decimal strings, in the quote's currency. */
export interface PricedLine {
  quantity: string;
  unitPrice: string;
  discountPercent: string;
}

export interface QuoteTotals {
  lineTotals: Money[];
  subtotal: Money;
  tax: Money;
  total: Money;
}

/** numeric(19,4) holds at most 15 integer digits. */
const MAX_AMOUNT = decimal('1e15');

/**
 * The quote arithmetic, exact (decimal.js, never floats) and rounded only
 * where stated, half-even to the currency's minor unit:
 *
 *   line net = round(quantity × unit price × (1 − discount / 100))   per line
 *   subtotal = Σ line nets                                          (already rounded, so exact)
 *   tax      = round(subtotal × tax rate / 100)
 *   total    = subtotal + tax
 *
 * Rounding each line (not the sum) makes every printed line add up to the
 * printed subtotal.
 */
export function quoteTotals(currency: string, lines: PricedLine[], taxRatePercent: string): QuoteTotals {
  const lineTotals = lines.map((l, i) => {
    const net = round(
      multiply(multiply({ amount: l.unitPrice, currency }, l.quantity), decimal(1).minus(decimal(l.discountPercent).div(100)).toFixed()),
    );
    if (decimal(net.amount).abs().gte(MAX_AMOUNT)) throw badUserInput(`lines[${i}].quantity`, 'the line total is too large');
    return net;
  });
  const subtotal = round(sum(lineTotals, currency));
  const tax = round(multiply(subtotal, decimal(taxRatePercent).div(100).toFixed()));
  const total = round(add(subtotal, tax));
  if (decimal(total.amount).gte(MAX_AMOUNT)) throw badUserInput('lines', 'the quote total is too large');
  return { lineTotals, subtotal, tax, total };
}

const DECIMAL = /^\d{1,9}(\.\d{1,4})?$/;
const PERCENT = /^\d{1,3}(\.\d{1,4})?$/;

/** A quantity: a positive decimal string with at most 9 integer and 4 fraction digits. */
export function parseQuantity(field: string, value: string | null | undefined): string {
  const v = (value ?? '').trim();
  if (!DECIMAL.test(v)) throw badUserInput(field, 'must be a decimal string with at most 9 integer and 4 fraction digits, e.g. "2.5"');
  const d = decimal(v);
  if (d.lte(0)) throw badUserInput(field, 'must be greater than 0');
  return d.toFixed();
}

/** A percentage 0–100 as a decimal string with at most 4 fraction digits (discounts, tax rates). */
export function parsePercent(field: string, value: string | null | undefined, fallback = '0'): string {
  if (value == null) return fallback;
  const v = value.trim();
  if (!PERCENT.test(v))
    throw badUserInput(field, 'must be a decimal string from 0 to 100 with at most 4 fraction digits, e.g. "19" or "7.5"');
  const d = decimal(v);
  if (d.gt(100)) throw badUserInput(field, 'must be from 0 to 100');
  return d.toFixed();
}
