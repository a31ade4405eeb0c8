import {
  CART_ABANDONED,
  CASE_DELETED,
  CASE_OPENED,
  CASE_STATUS_CHANGED,
  CONTACT_CREATED,
  CONTACT_DELETED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
  type EventEnvelope,
} from '@rapport/contracts';
import { contactsNamedBy } from './batch-contacts';

const ev = (type: string, data: unknown) => ({ type, data, occurredAt: '2026-12-07T09:00:00.000Z' }) as unknown as EventEnvelope;
const caseSnapshot = (id: string, contactId: string | null) => ({ case: { id, contactId, category: 'COMPLAINT', status: 'OPEN' } });

describe('contactsNamedBy', () => {
  it('names the contacts, cases and orders a batch writes, created or only if marketing has them', () => {
    const named = contactsNamedBy([
      ev(CONTACT_CREATED, { contact: { id: 'c1' } }),
      ev(CUSTOMER_TIER_CHANGED, { contactId: 'c2' }),
      ev(CASE_OPENED, caseSnapshot('k1', 'c3')),
      ev(CASE_OPENED, caseSnapshot('k2', null)),
      ev(CASE_STATUS_CHANGED, { caseId: 'k3', from: 'OPEN', to: 'RESOLVED' }),
      ev(CASE_DELETED, { id: 'k4', deletionId: 'd1', deletedAt: '2026-12-07T09:00:00.000Z' }),
      ev(ORDER_RECORDED, { orderId: 'o1', contactId: 'c4' }),
      ev(ORDER_RECORDED, { orderId: 'o2', contactId: null }),
      ev(CONTACT_DELETED, { id: 'c5', deletionId: 'd2', deletedAt: '2026-12-07T09:00:00.000Z' }),
      ev(CART_ABANDONED, { contactId: 'c6' }),
    ]);
    expect(named).toEqual({
      exclusive: false,
      created: ['c1', 'c3', 'c4'],
      scored: ['c2'],
      existing: ['c5', 'c6'],
      cases: ['k1', 'k2', 'k3', 'k4'],
      orders: ['o1', 'o2'],
    });
  });

  it.each([
    ['a merge', ev(CONTACT_MERGED, { survivorId: 's', mergedIds: ['m'] })],
    ['an unmerge', ev(CONTACT_UNMERGED, { survivorId: 's', restoredIds: ['m'] })],
    ['a cart given by an external id', ev(CART_ABANDONED, { externalCustomer: { source: 'shop', key: '42' } })],
    ['an event of another type', ev('sales.account.created', { account: { id: 'a' } })],
  ])('takes the read model alone for %s, whose contacts are known only while it runs', (_, event) => {
    expect(contactsNamedBy([ev(CONTACT_CREATED, { contact: { id: 'c1' } }), event]).exclusive).toBe(true);
  });
});
