import { decimal, minorUnits, type Money } from '@rapport/money';

/**
 * Money as the API shows it: exact, with at least the currency's minor-unit
 * digits ("12.50", not the column's "12.5000" nor a float's "12.5"), but
 * never rounded — "0.1234" stays "0.1234".
 */
export function moneyView(amount: string, currency: string): Money {
  const d = decimal(amount);
  return { amount: d.toFixed(Math.max(d.decimalPlaces(), minorUnits(currency))), currency };
}
