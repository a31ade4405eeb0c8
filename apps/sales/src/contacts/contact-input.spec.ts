import { GraphQLError } from 'graphql';
import { normaliseEmails, normaliseExternalIds, normalisePhones } from './contact-input';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.field;
  }
  throw new Error('expected an error');
}

describe('contact input normalisation', () => {
  it('lower-cases and de-duplicates emails, keeping order', () => {
    expect(normaliseEmails('emails', [' Ann@X.com ', 'b@y.org', 'ann@x.com'])).toEqual(['ann@x.com', 'b@y.org']);
  });

  it('names the offending list entry', () => {
    expect(fieldOf(() => normaliseEmails('emails', ['ok@x.com', 'nope']))).toBe('emails[1]');
    expect(fieldOf(() => normalisePhones('phones', ['+1 201 555 0123', 'call me'], null))).toBe('phones[1]');
    expect(fieldOf(() => normaliseExternalIds('externalIds', [{ source: 'erp', key: '' }]))).toBe('externalIds[0].key');
  });

  it('stores phones in E.164, read in the tenant default, and de-duplicates them by number', () => {
    expect(normalisePhones('phones', ['+49 (0)30 555-1234', '030 5551234', '0044 20 7946 0000'], 'DE')).toEqual([
      '+49305551234',
      '+442079460000',
    ]);
    // A fictional range (555-01xx) is no valid number; without a default a national number has no country.
    expect(fieldOf(() => normalisePhones('phones', ['+1 555 0100'], null))).toBe('phones[0]');
    expect(fieldOf(() => normalisePhones('phones', ['030 5551234'], null))).toBe('phones[0]');
  });

  it('refuses the same external id twice and too many entries', () => {
    expect(
      fieldOf(() =>
        normaliseExternalIds('externalIds', [
          { source: 'ERP', key: '1' },
          { source: 'erp', key: '1' },
        ]),
      ),
    ).toBe('externalIds[1]');
    expect(
      fieldOf(() =>
        normaliseEmails(
          'emails',
          Array.from({ length: 11 }, (_, i) => `a${i}@x.com`),
        ),
      ),
    ).toBe('emails');
  });
});
