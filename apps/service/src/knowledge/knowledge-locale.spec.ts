import { localesMatch, parseLocale } from './knowledge-locale';

describe('knowledge locales', () => {
  it('matches a tag, its more specific forms and its more general form, not its siblings', () => {
    expect(localesMatch('de', 'de')).toBe(true);
    expect(localesMatch('de-CH', 'de')).toBe(true);
    expect(localesMatch('de', 'de-CH')).toBe(true);
    expect(localesMatch('de-ch', 'de-CH')).toBe(true);
    expect(localesMatch('de-AT', 'de-CH')).toBe(false);
    expect(localesMatch('en', 'de')).toBe(false);
    // A prefix of letters is not a more general tag.
    expect(localesMatch('den', 'de')).toBe(false);
  });

  it('accepts language tags only', () => {
    expect(parseLocale('locale', 'zh-Hant-TW')).toBe('zh-Hant-TW');
    for (const bad of ['', 'EN', 'english', 'de_CH', "de'--", 'd%']) {
      expect(() => parseLocale('locale', bad)).toThrow(/locale/);
    }
  });
});
