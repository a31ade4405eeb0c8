import type { LeadSnapshotV1 } from '@rapport/contracts';
import type { LeadEntity } from './lead.entity';

/** The lead as published in sales.lead.* events. */
export function leadSnapshot(l: LeadEntity): LeadSnapshotV1 {
  return {
    id: l.id,
    firstName: l.firstName,
    lastName: l.lastName,
    company: l.company,
    email: l.email,
    phone: l.phone,
    source: l.source,
    status: l.status,
    ownerId: l.ownerId,
    score: l.score,
    convertedAt: l.convertedAt?.toISOString() ?? null,
    convertedAccountId: l.convertedAccountId,
    convertedContactId: l.convertedContactId,
    convertedOpportunityId: l.convertedOpportunityId,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}
