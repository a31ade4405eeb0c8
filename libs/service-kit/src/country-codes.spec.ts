import { country } from './validation';
import { toCountryCode } from './country-codes';

describe('countries', () => {
  it('maps codes and English names, ignoring case and accents', () => {
    expect(
      ['de', 'DE', 'Germany', ' germany ', 'United Kingdom', 'UK', 'USA', 'Cote d’Ivoire', 'Bosnia & Herzegovina', 'XK'].map(toCountryCode),
    ).toEqual(['DE', 'DE', 'DE', 'DE', 'GB', 'GB', 'US', 'CI', 'BA', 'XK']);
  });

  it('gives a name its country’s current code, never a withdrawn one that ICU still names', () => {
    const names = ['France', 'Russia', 'Serbia', 'Benin', 'Burkina Faso', 'Timor-Leste', 'Congo - Kinshasa', 'Myanmar', 'Curaçao'];
    expect(names.map(toCountryCode)).toEqual(['FR', 'RU', 'RS', 'BJ', 'BF', 'TL', 'CD', 'MM', 'CW']);
    expect(['FX', 'SU', 'YU', 'DD'].map(toCountryCode)).toEqual([null, null, null, null]);
  });

  it('refuses what is no country, naming the forms that would do', () => {
    expect(toCountryCode('XX')).toBeNull();
    expect(toCountryCode('European Union')).toBeNull();
    expect(toCountryCode('Narnia')).toBeNull();
    expect(() => country('addresses[0].country', 'Narnia')).toThrow(/ISO 3166-1 alpha-2 code \(e\.g\. DE, US\) or an English country name/);
    expect(country('addresses[0].country', '  ')).toBeNull();
  });
});
