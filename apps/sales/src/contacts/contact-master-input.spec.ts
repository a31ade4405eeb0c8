import { normaliseAddresses, normaliseSource, normaliseTags } from './contact-input';

describe('customer master inputs', () => {
  it('normalises tags: trimmed, lower-case, collapsed, de-duplicated, at most 20', () => {
    expect(normaliseTags('tags', [' VIP ', 'vip', 'Key  Account'])).toEqual(['vip', 'key account']);
    expect(() =>
      normaliseTags(
        'tags',
        Array.from({ length: 21 }, (_, i) => `t${i}`),
      ),
    ).toThrow(/at most 20 tags/);
    expect(() => normaliseTags('tags', [' '])).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'tags[0]' }) }),
    );
  });

  it('validates addresses with an ISO 3166-1 alpha-2 country', () => {
    expect(normaliseAddresses('addresses', [{ kind: 'BILLING', city: ' Berlin ', country: 'de' }])).toEqual([
      { kind: 'BILLING', street: null, city: 'Berlin', postalCode: null, region: null, country: 'DE' },
    ]);
    expect(() => normaliseAddresses('addresses', [{ kind: 'HOME' as never }])).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'addresses[0].kind' }) }),
    );
    expect(() => normaliseAddresses('addresses', [{ kind: 'OTHER', country: 'D1' }])).toThrow(/ISO 3166-1/);
  });

  it('lower-cases the source', () => {
    expect(normaliseSource('source', ' WebShop ')).toBe('webshop');
    expect(normaliseSource('source', '')).toBeNull();
  });
});
