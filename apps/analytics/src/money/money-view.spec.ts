import { moneyView } from './money-view';

describe('moneyView', () => {
  it('shows minor units without rounding or floats', () => {
    expect(moneyView('12.5000', 'EUR')).toEqual({ amount: '12.50', currency: 'EUR' });
    expect(moneyView('-3.0000', 'USD').amount).toBe('-3.00');
    expect(moneyView('0.1234', 'EUR').amount).toBe('0.1234');
    expect(moneyView('1500.0000', 'JPY').amount).toBe('1500');
    expect(moneyView('99999999999999.9999', 'EUR').amount).toBe('99999999999999.9999');
  });
});
