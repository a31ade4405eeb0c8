import { DEFAULT_ACCOUNT_DUPLICATE_RULES, domainKey, probeDomains, validateAccountDuplicateRules } from './account-duplicate-rules';
import { scoreOf } from './duplicate-rules';

describe('account duplicate rules', () => {
  it('fills defaults and validates each setting, naming the field', () => {
    expect(validateAccountDuplicateRules({})).toEqual(DEFAULT_ACCOUNT_DUPLICATE_RULES);
    expect(validateAccountDuplicateRules({ rules: [{ type: 'FUZZY_NAME', weight: 0.5 }], policy: 'BLOCK' })).toEqual({
      rules: [{ type: 'FUZZY_NAME', weight: 0.5, threshold: 0.6 }],
      scoring: 'MAX',
      policy: 'BLOCK',
      minScore: 0,
    });
    const field = (input: Parameters<typeof validateAccountDuplicateRules>[0]) => {
      try {
        validateAccountDuplicateRules(input);
        return null;
      } catch (err) {
        return (err as { extensions: { field: string } }).extensions.field;
      }
    };
    expect(field({ rules: [{ type: 'EXACT_EMAIL' as never, weight: 1 }] })).toBe('rules[0].type');
    expect(
      field({
        rules: [
          { type: 'DOMAIN', weight: 1 },
          { type: 'DOMAIN', weight: 0.5 },
        ],
      }),
    ).toBe('rules[1].type');
    expect(field({ rules: [{ type: 'NORMALISED_NAME', weight: 0 }] })).toBe('rules[0].weight');
    expect(field({ rules: [{ type: 'FUZZY_NAME', weight: 1, threshold: 1.5 }] })).toBe('rules[0].threshold');
    expect(field({ minScore: 2 })).toBe('minScore');
    expect(field({ policy: 'MERGE' as never })).toBe('policy');
  });

  it('matches by the website domain and by company email domains, never by free-mail ones', () => {
    expect(domainKey('WWW.Acme.test')).toBe('acme.test');
    expect(probeDomains('www.acme.test', ['a@acme.test', 'b@Gmail.com', 'c@sub.acme.test', 'broken'])).toEqual([
      'acme.test',
      'sub.acme.test',
    ]);
    expect(probeDomains(null, ['x@web.de'])).toEqual([]);
  });

  it('scores account rules like contact rules', () => {
    const config = { ...DEFAULT_ACCOUNT_DUPLICATE_RULES, scoring: 'WEIGHTED_SUM' as const };
    expect(scoreOf(DEFAULT_ACCOUNT_DUPLICATE_RULES, ['NORMALISED_NAME', 'FUZZY_NAME'])).toBe(0.9);
    expect(scoreOf(config, ['NORMALISED_NAME', 'FUZZY_NAME'])).toBe(1);
    expect(scoreOf(config, [])).toBe(0);
  });
});
