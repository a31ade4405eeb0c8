import { badUserInput } from '@rapport/auth';
import { decimal, isNegative, minorUnits, multiply, MoneyError, parseMoney, round, type Money } from '@rapport/money';

export interface MoneyInput {
  amount: string;
  currency: string;
}

/** Validates a MoneyInput, naming `<field>.amount` or `<field>.currency`. Deal amounts are never negative. */
export function parseMoneyInput(field: string, input: MoneyInput): Money {
  let money: Money;
  try {
    money = parseMoney(input.amount, input.currency);
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err;
    throw badUserInput(err.message.startsWith('currency') ? `${field}.currency` : `${field}.amount`, err.message);
  }
  if (isNegative(money)) throw badUserInput(`${field}.amount`, 'must not be negative');
  return money;
}

/**
 * How amounts leave the service: at least the currency's minor-unit digits
 * ("1200.00", "5000" JPY), more only when stored ("12.3456"), so clients
 * never see "1200.0000" or lose a fraction.
 */
export function presentMoney(amount: string, currency: string): Money {
  const d = decimal(amount);
  return { amount: d.toFixed(Math.max(minorUnits(currency), d.decimalPlaces())), currency };
}

/** amount × probability %, rounded half-even to the currency's minor unit (the forecast's "weighted amount"). */
export function weightedAmount(amount: Money, probability: number): Money {
  return round(multiply(multiply(amount, probability), '0.01'));
}
