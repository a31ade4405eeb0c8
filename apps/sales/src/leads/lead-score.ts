import type { EntityManager } from 'typeorm';
import { LeadEntity } from './lead.entity';

/** Stores a lead's new score (lead rules compute it; the caller publishes the change in the same transaction). */
export async function storeLeadScore(em: EntityManager, leadId: string, score: number, updatedAt: Date): Promise<void> {
  await em.getRepository(LeadEntity).update({ id: leadId }, { score, updatedAt });
}
