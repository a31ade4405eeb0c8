export { add, compare, decimal, isNegative, minorUnits, moneyView, multiply, MoneyError, parseMoney, round, subtract, sum } from './money';
export type { Money } from './money';
