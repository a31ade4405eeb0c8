import { callingCodeOf, e164, phone, phoneDefaultProblem } from './phone-numbers';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { extensions: { code: string; field: string } }).extensions;
  }
  return null;
};

describe('phone numbers', () => {
  it.each([
    ['+49 (0)30 555-1234', null, '+49305551234'],
    ['030 5551234', 'DE', '+49305551234'],
    ['030 5551234', '+49', '+49305551234'],
    ['0049 30 5551234', null, '+49305551234'],
    ['0049 30 5551234', 'GB', '+49305551234'],
    ['020-7946-0000', 'GB', '+442079460000'],
    ['+1 (201) 555-0123', 'DE', '+12015550123'],
  ])('%s under default %s is %s in E.164', (raw, region, expected) => {
    expect(phone('phones[0]', raw, region)).toBe(expected);
  });

  it('refuses what is not a valid number, naming the field, and says to add the country when none is known', () => {
    expect(fieldOf(() => phone('phones[1]', 'call me', 'DE'))).toEqual({ code: 'BAD_USER_INPUT', field: 'phones[1]' });
    expect(fieldOf(() => phone('phone', '+1 555 0100', null))).toMatchObject({ field: 'phone' });
    expect(() => phone('phone', '030 5551234', null)).toThrow(/country code/);
    expect(phone('phone', '  ', 'DE')).toBeNull();
    expect(e164('12', 'DE')).toBeNull();
  });

  it('takes a tenant default as a country or a calling code', () => {
    expect(phoneDefaultProblem('DE')).toBeNull();
    expect(phoneDefaultProblem('+49')).toBeNull();
    expect(phoneDefaultProblem('+999')).toMatch(/calling code/);
    expect(phoneDefaultProblem('XX')).toMatch(/not a country/);
    expect(phoneDefaultProblem('Germany')).toMatch(/ISO 3166-1/);
    expect(callingCodeOf('DE')).toBe('+49');
    expect(callingCodeOf('+44')).toBe('+44');
    expect(callingCodeOf(null)).toBeNull();
  });
});
