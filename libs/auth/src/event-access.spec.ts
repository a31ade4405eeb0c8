import { CONTACT_CREATED, type EventEnvelope } from '@rapport/contracts';
import { eventForReader } from './event-access';
import type { Principal } from './principal';

const tenantId = '00000000-0000-0000-0000-000000000001';
const user = (...roles: Principal['roles']): Principal => ({ kind: 'user', tenantId, id: 'u', roles, scopes: [], contactId: null });
const key = (...scopes: string[]): Principal => ({ kind: 'apiKey', tenantId, id: 'k', roles: [], scopes, contactId: null });

const contactCreated: EventEnvelope = {
  id: '0190a0a0-0000-7000-8000-000000000001',
  type: CONTACT_CREATED,
  version: 1,
  tenantId,
  occurredAt: '2026-01-01T00:00:00.000Z',
  actor: { kind: 'system', id: null },
  subjectId: 'c1',
  data: { contact: { id: 'c1', lastName: 'Lovelace', emails: ['ada@x.test'], phones: ['+44 1'] } },
};

describe('eventForReader', () => {
  it('gives a reader of every group the event unchanged', () => {
    expect(eventForReader(user('admin'), contactCreated, [])).toBe(contactCreated);
  });

  it('removes the contact details of a reader denied CONTACT_DETAILS, keeping the profile', () => {
    const seen = eventForReader(user('sales_rep'), contactCreated, [{ role: 'sales_rep', fieldGroup: 'CONTACT_DETAILS', access: 'NONE' }]);
    expect(seen?.data).toEqual({ contact: { id: 'c1', lastName: 'Lovelace' } });
    // The original is not touched: other receivers of the same event still get it whole.
    expect((contactCreated.data as { contact: { emails: string[] } }).contact.emails).toEqual(['ada@x.test']);
  });

  it('caps API keys by their scopes: contacts:read gets contacts, not cases', () => {
    expect(eventForReader(key('contacts:read'), contactCreated, [])?.data).toEqual(contactCreated.data);
    expect(eventForReader(key('cases:read'), contactCreated, [])).toBeNull();
    expect(eventForReader(key('contacts:read'), { ...contactCreated, type: 'service.case.opened' }, [])).toBeNull();
  });

  it('never delivers a type that is not in the catalogue', () => {
    expect(eventForReader(user('admin'), { ...contactCreated, type: 'identity.user.created' }, [])).toBeNull();
  });
});
