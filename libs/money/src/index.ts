export {
  add,
  compare,
  decimal,
  isCurrencyCode,
  isNegative,
  minorUnits,
  moneyView,
  multiply,
  MoneyError,
  parseMoney,
  round,
  subtract,
  sum,
} from './money';
export type { Money } from './money';
