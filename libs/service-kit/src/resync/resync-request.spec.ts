import { parseResyncRequest } from './resync-request';

const tenantId = '0193a1b2-0000-7000-8000-0000000000aa';
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('resync requests', () => {
  it('asks for every known record type when none is named', () => {
    expect(parseResyncRequest(bytes({ tenantId }), ['contact', 'case'])).toEqual({ tenantId, recordTypes: ['contact', 'case'] });
  });

  it('keeps the named types once each and lower-cases the tenant', () => {
    expect(parseResyncRequest(bytes({ tenantId: tenantId.toUpperCase(), recordTypes: ['case', 'case'] }), ['contact', 'case'])).toEqual({
      tenantId,
      recordTypes: ['case'],
    });
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['no tenant', {}, /tenantId/],
    ['a tenant that is no UUID', { tenantId: 'acme' }, /tenantId/],
    ['types that are no list', { tenantId, recordTypes: 'contact' }, /recordTypes/],
    ['a type the owner does not have', { tenantId, recordTypes: ['order'] }, /unknown record types order \(known: contact, case\)/],
  ])('refuses %s, saying why', (_what, value, reason) => {
    expect(() => parseResyncRequest(bytes(value), ['contact', 'case'])).toThrow(reason);
  });
});
