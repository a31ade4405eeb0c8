import { ACCOUNT_PURGED, CONTACT_DELETED, CONTACT_RESTORED, CONTACT_UPDATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { deletionFactOf } from './deletions';

const event = (type: string, data: Record<string, unknown>) =>
  newEvent({ type, tenantId: 't', actor: SYSTEM_ACTOR, subjectId: String(data.id), data: data as never });

describe('deletionFactOf', () => {
  it('reads what a deletion event says about one contact or account', () => {
    expect(
      deletionFactOf(event(CONTACT_DELETED, { recordType: 'CONTACT', id: 'c', deletionId: 'd', deletedAt: '2026-01-01T00:00:00.000Z' })),
    ).toEqual({ kind: 'CONTACT', change: 'deleted', id: 'c', deletionId: 'd', at: '2026-01-01T00:00:00.000Z' });
    expect(deletionFactOf(event(CONTACT_RESTORED, { recordType: 'CONTACT', id: 'c', deletionId: 'd' }))).toEqual({
      kind: 'CONTACT',
      change: 'restored',
      id: 'c',
      deletionId: 'd',
    });
    expect(
      deletionFactOf(event(ACCOUNT_PURGED, { recordType: 'ACCOUNT', id: 'a', deletionId: 'd', purgedAt: '2026-02-01T00:00:00.000Z' })),
    ).toEqual({ kind: 'ACCOUNT', change: 'purged', id: 'a', deletionId: 'd', at: '2026-02-01T00:00:00.000Z' });
  });

  it('ignores every other event', () => {
    expect(deletionFactOf(event(CONTACT_UPDATED, { id: 'c' }))).toBeNull();
    expect(deletionFactOf(event('service.case.deleted', { id: 'k' }))).toBeNull();
  });
});
