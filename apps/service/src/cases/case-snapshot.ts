import type { CaseSnapshotV1 } from '@rapport/contracts';
import type { CaseEntity } from './case.entity';

export function caseSnapshot(c: CaseEntity): CaseSnapshotV1 {
  return {
    id: c.id,
    contactId: c.contactId,
    accountId: c.accountId,
    subject: c.subject,
    channel: c.channel,
    category: c.category,
    priority: c.priority,
    status: c.status,
    ownerId: c.ownerId,
    queueId: c.queueId,
    tier: c.tier,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
