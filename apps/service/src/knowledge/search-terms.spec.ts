import { anyOf, decodeOffset, encodeOffset, significantTerms } from './search-terms';

describe('knowledge search terms', () => {
  it('keeps the significant words of a case, once, in order', () => {
    expect(significantTerms('Hi, my PRINTER is on fire! The printer smells; please help with toner & fire.')).toEqual([
      'printer',
      'fire',
      'smells',
      'help',
      'toner',
    ]);
  });

  it('drops everything the query parser could read as syntax', () => {
    expect(significantTerms(`"quoted" -minus or OR and <-> a:* (x) drücker`)).toEqual(['quoted', 'minus', 'drücker']);
  });

  it('caps the number of terms', () => {
    expect(significantTerms('alpha bravo charlie delta echo', 3)).toEqual(['alpha', 'bravo', 'charlie']);
  });

  it('joins terms with or, and nothing when there is nothing', () => {
    expect(anyOf(['printer', 'fire'])).toBe('printer or fire');
    expect(anyOf([])).toBeNull();
  });

  it('round-trips offset cursors and rejects foreign ones', () => {
    expect(decodeOffset(encodeOffset(40))).toBe(40);
    expect(decodeOffset(null)).toBe(0);
    expect(decodeOffset('bm9wZQ')).toBeNull();
  });
});
