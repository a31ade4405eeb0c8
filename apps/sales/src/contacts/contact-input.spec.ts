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
    expect(fieldOf(() => normalisePhones('phones', ['+1 555 0100', 'call me']))).toBe('phones[1]');
    expect(fieldOf(() => normaliseExternalIds('externalIds', [{ source: 'erp', key: '' }]))).toBe('externalIds[0].key');
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
