export { add, compare, decimal, isNegative, minorUnits, multiply, MoneyError, parseMoney, round, subtract, sum } from './money';
export type { Money } from './money';
