import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/**
 * The writes of a roll-out (measurement/rollout.ts decides the winner): the
 * held-back recipients of `groups` get the winning variant, in new batches
 * numbered from `firstBatch` (`batchSize` each, in bucket order). Returns
 * the batch of every recipient moved.
 */
export async function moveHeldToRollout(
  em: EntityManager,
  campaignId: string,
  groups: readonly string[],
  winner: string,
  firstBatch: number,
  batchSize: number,
): Promise<number[]> {
  const rows = returnedRows<{ batch: number }>(
    await em.query(
      `WITH held AS (
         SELECT contact_id, $4::int + ((row_number() OVER (ORDER BY bucket, contact_id) - 1) / $5::int)::int AS batch
           FROM campaign_recipients WHERE campaign_id = $1 AND grp = ANY($2::text[]) AND status = 'HELD')
       UPDATE campaign_recipients r SET grp = 'ROLLOUT', variant_key = $3, status = 'PENDING', batch = held.batch
         FROM held WHERE r.campaign_id = $1 AND r.contact_id = held.contact_id
       RETURNING held.batch`,
      [campaignId, groups, winner, firstBatch, batchSize],
    ),
  );
  return rows.map((r) => r.batch);
}

/** The campaign sends again, now the winner (overridden: chosen without a significant result), once. */
export async function markRolledOut(
  em: EntityManager,
  tenantId: string,
  campaignId: string,
  winner: string,
  overridden: boolean,
): Promise<void> {
  await em.query(
    `UPDATE campaigns SET status = 'SENDING', winner_variant = $3, winner_overridden = $4, rolled_out_at = now(), completed_at = NULL,
            updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, campaignId, winner, overridden],
  );
}
