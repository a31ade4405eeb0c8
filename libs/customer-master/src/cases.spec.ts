import { CASE_RESYNCED, CASE_UPDATED, type EventEnvelope } from '@rapport/contracts';
import { caseFactOf } from './cases';

const snapshot = {
  id: '0190f0f0-0000-7000-8000-0000000000c1',
  contactId: '0190f0f0-0000-7000-8000-00000000000c',
  accountId: null,
  subject: 'Broken',
  channel: 'EMAIL',
  category: 'COMPLAINT',
  priority: 'HIGH',
  status: 'OPEN',
  ownerId: null,
  queueId: null,
  tier: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
};
const envelope = (type: string, data: unknown): EventEnvelope => ({
  id: '0190f0f0-0000-7000-8000-0000000000e1',
  type,
  version: 1,
  tenantId: '0190f0f0-0000-7000-8000-00000000000a',
  occurredAt: '2026-12-06T00:00:00.000Z',
  actor: { kind: 'system', id: null },
  subjectId: snapshot.id,
  data,
});

describe('case facts', () => {
  it('take a resynced case as of its last change, so a later fact in flight still wins', () => {
    expect(caseFactOf(envelope(CASE_RESYNCED, { case: snapshot, resyncId: 'r1' }))).toEqual({
      caseId: snapshot.id,
      contact: { id: snapshot.contactId, category: 'COMPLAINT' },
      status: 'OPEN',
      at: '2026-03-01T00:00:00.000Z',
    });
  });

  it('take a change as of its event', () => {
    expect(caseFactOf(envelope(CASE_UPDATED, { case: snapshot, changed: ['priority'] }))?.at).toBe('2026-12-06T00:00:00.000Z');
  });
});
