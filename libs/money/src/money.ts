import Decimal from 'decimal.js';

/**
 * Exact money: a decimal amount (never a float) and an ISO 4217 currency.
 * Amounts travel as strings ("1234.50") in GraphQL and events, and are
 * stored as numeric(19,4) in Postgres. Arithmetic is done with decimal.js
 * at 40 significant digits; rounding happens only where a rule says so, to
 * the currency's minor unit, half-even ("banker's") unless stated otherwise.
 */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export interface Money {
  readonly amount: string;
  readonly currency: string;
}

export class MoneyError extends Error {}

const AMOUNT = /^-?\d{1,15}(\.\d{1,4})?$/;

/**
 * ISO 4217 codes: the currencies ICU knows (Node's full ICU, kept current
 * with each Node release) and the few fund codes ICU leaves out. A made-up
 * code such as ABC is refused: it would fail later at the first conversion
 * or format, far from the caller who sent it.
 */
const CURRENCIES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('currency'), 'CLF', 'UYI', 'UYW', 'VED']);

export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code);
}

/** Minor-unit digits (ISO 4217) for currencies that are not the usual 2. */
const MINOR_UNITS: Record<string, number> = {
  ...Object.fromEntries(
    ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((c) => [
      c,
      0,
    ]),
  ),
  ...Object.fromEntries(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** Validates and normalises input; the message names what is wrong. */
export function parseMoney(amount: string, currency: string): Money {
  const a = amount.trim();
  if (!AMOUNT.test(a))
    throw new MoneyError(`amount ${JSON.stringify(amount)} must be a decimal with at most 15 integer and 4 fraction digits`);
  const c = currency.trim().toUpperCase();
  if (!isCurrencyCode(c)) throw new MoneyError(`currency ${JSON.stringify(currency)} must be an ISO 4217 code (e.g. EUR, USD)`);
  return { amount: new D(a).toFixed(), currency: c };
}

export function decimal(value: string | number | Decimal): Decimal {
  return new D(value);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: new D(a.amount).plus(b.amount).toFixed(), currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: new D(a.amount).minus(b.amount).toFixed(), currency: a.currency };
}

export function multiply(a: Money, factor: string | number): Money {
  return { amount: new D(a.amount).times(factor).toFixed(), currency: a.currency };
}

export function sum(items: Money[], currency: string): Money {
  return items.reduce((acc, m) => add(acc, m), { amount: '0', currency });
}

/** Rounds to the currency's minor unit; half-even by default, half-up when a rule requires it. */
export function round(m: Money, mode: 'half-even' | 'half-up' = 'half-even'): Money {
  const places = minorUnits(m.currency);
  const rounding = mode === 'half-up' ? Decimal.ROUND_HALF_UP : Decimal.ROUND_HALF_EVEN;
  return { amount: new D(m.amount).toDecimalPlaces(places, rounding).toFixed(places), currency: m.currency };
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return new D(a.amount).comparedTo(b.amount) as -1 | 0 | 1;
}

export function isNegative(m: Money): boolean {
  return new D(m.amount).isNegative() && !new D(m.amount).isZero();
}

/**
 * Money as the API shows it: exact, with at least the currency's minor-unit
 * digits ("12.50", not a column's "12.5000" nor a float's "12.5"), but never
 * rounded — "0.1234" stays "0.1234".
 */
export function moneyView(amount: string, currency: string): Money {
  const d = new D(amount);
  return { amount: d.toFixed(Math.max(d.decimalPlaces(), minorUnits(currency))), currency };
}
