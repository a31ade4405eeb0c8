import { searchLanguageFor } from './search-language';

describe('searchLanguageFor', () => {
  it("follows the locale's primary language, whatever its region or case", () => {
    expect(searchLanguageFor('de', 'english')).toBe('german');
    expect(searchLanguageFor('de-CH', 'english')).toBe('german');
    expect(searchLanguageFor('FR-ca', 'english')).toBe('french');
    expect(searchLanguageFor('nb-NO', 'english')).toBe('norwegian');
    expect(searchLanguageFor('en-GB', 'german')).toBe('english');
  });

  it("falls back to the tenant's language where PostgreSQL has no configuration for the locale", () => {
    expect(searchLanguageFor('zh-Hant-TW', 'simple')).toBe('simple');
    expect(searchLanguageFor('ja', 'english')).toBe('english');
  });
});
