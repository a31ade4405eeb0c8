import { add, compare, moneyView, multiply, MoneyError, parseMoney, round, sum } from './money';

describe('money', () => {
  it('adds without float error', () => {
    expect(add(parseMoney('0.1', 'EUR'), parseMoney('0.2', 'EUR'))).toEqual({ amount: '0.3', currency: 'EUR' });
    expect(
      sum(
        Array.from({ length: 10 }, () => parseMoney('0.1', 'USD')),
        'USD',
      ).amount,
    ).toBe('1');
  });

  it('rounds half-even by default and half-up on request, to the minor unit', () => {
    expect(round(parseMoney('2.345', 'EUR')).amount).toBe('2.34');
    expect(round(parseMoney('2.355', 'EUR')).amount).toBe('2.36');
    expect(round(parseMoney('2.345', 'EUR'), 'half-up').amount).toBe('2.35');
    expect(round(parseMoney('1234.5', 'JPY')).amount).toBe('1234');
    expect(round(parseMoney('-2.345', 'EUR'), 'half-up').amount).toBe('-2.35');
  });

  it('multiplies exactly', () => {
    expect(multiply(parseMoney('19.99', 'EUR'), '3').amount).toBe('59.97');
    expect(multiply(parseMoney('100', 'EUR'), '0.075').amount).toBe('7.5');
  });

  it('refuses mixed currencies and malformed input, naming the problem', () => {
    expect(() => add(parseMoney('1', 'EUR'), parseMoney('1', 'USD'))).toThrow('cannot combine EUR with USD');
    expect(() => parseMoney('1e3', 'EUR')).toThrow(MoneyError);
    expect(() => parseMoney('12.34567', 'EUR')).toThrow(/at most 15 integer and 4 fraction digits/);
    expect(() => parseMoney('1', 'euro')).toThrow(/must be an ISO 4217 code/);
    expect(compare(parseMoney('2', 'EUR'), parseMoney('10', 'EUR'))).toBe(-1);
  });
});

describe('moneyView', () => {
  it('shows at least the minor-unit digits and never rounds', () => {
    expect(moneyView('12.5000', 'EUR')).toEqual({ amount: '12.50', currency: 'EUR' });
    expect(moneyView('0.1234', 'EUR')).toEqual({ amount: '0.1234', currency: 'EUR' });
    expect(moneyView('1500', 'JPY')).toEqual({ amount: '1500', currency: 'JPY' });
    expect(moneyView('-3', 'KWD')).toEqual({ amount: '-3.000', currency: 'KWD' });
    expect(moneyView('99999999999999.9999', 'EUR').amount).toBe('99999999999999.9999');
  });
});

describe('currency codes', () => {
  it('accepts ISO 4217 codes in any case and refuses made-up ones, naming the rule', () => {
    expect(parseMoney('1', 'eur')).toEqual({ amount: '1', currency: 'EUR' });
    expect(parseMoney('1', 'CLF').currency).toBe('CLF');
    expect(() => parseMoney('1', 'ABC')).toThrow('currency "ABC" must be an ISO 4217 code');
    expect(() => parseMoney('1', 'EURO')).toThrow('ISO 4217');
  });

  it('rounds to the ISO 4217 minor unit', () => {
    expect(round({ amount: '10.5', currency: 'XOF' })).toEqual({ amount: '10', currency: 'XOF' });
    expect(round({ amount: '1.23456', currency: 'IQD' })).toEqual({ amount: '1.235', currency: 'IQD' });
    expect(round({ amount: '1.23456', currency: 'EUR' })).toEqual({ amount: '1.23', currency: 'EUR' });
  });
});
