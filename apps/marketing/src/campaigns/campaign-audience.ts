import type { EntityManager } from 'typeorm';
import { eligibilitySql } from '../sending/eligibility-sql';

export interface AudienceDraw {
  /** Recipients drawn (every group). */
  total: number;
  /** Members left out, by reason (no consent, open complaint …). */
  excluded: Record<string, number>;
  /** VARIANT recipients, to be sent now. */
  toSend: number;
  /** The batches their sends are split into. */
  batches: number[];
}

export interface DrawPlan {
  tenantId: string;
  campaignId: string;
  channel: string;
  purpose: string;
  /** The segment's members: FROM source and WHERE, with the tenant as $1. */
  members: { source: string; where: string; params: unknown[] };
  controlBp: number;
  testBp: number;
  variants: { key: string; splitBp: number }[];
  batchSize: number;
  at: Date;
}

/**
 * Draws a campaign's audience in one statement, however large: the
 * segment's members now, minus those who may not get this message (no
 * consent, suppressed, an open complaint, no address — counted by reason),
 * each put in a group by a hash of (campaign, contact). The hash makes the
 * split stable and its shares exact in expectation: bucket = 0…9999;
 * buckets below the control share form the control group; of the rest, the
 * test share gets the variants by their splits and the remainder is held
 * for the winner. Variant recipients are numbered into send batches.
 */
export async function drawAudience(em: EntityManager, plan: DrawPlan): Promise<AudienceDraw> {
  const params = [...plan.members.params];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const ch = p(plan.channel);
  const purpose = p(plan.purpose);
  const eligibility = eligibilitySql(`${ch}::text`, `${purpose}::text`);
  const campaign = p(plan.campaignId);
  const control = p(plan.controlBp);
  const test = p(plan.testBp);
  const keys = p(plan.variants.map((v) => v.key));
  let cumulative = 0;
  const uppers = p(plan.variants.map((v) => (cumulative += v.splitBp)));
  const batchSize = p(plan.batchSize);
  const at = p(plan.at);
  const [row]: { total: number; to_send: number; batches: number[] | null; excluded: Record<string, number> | null }[] = await em.query(
    `WITH members AS (
       SELECT c.id, ${eligibility.blockedBy} AS blocked
         FROM ${plan.members.source} ${eligibility.joins}
        WHERE ${plan.members.where}
     ), drawn AS (
       SELECT m.id, b.bucket,
              CASE WHEN b.bucket < ${control}::int THEN 'CONTROL'
                   WHEN (b.bucket - ${control}::int) * 10000 < (10000 - ${control}::int) * ${test}::int THEN 'VARIANT'
                   ELSE 'HOLDOUT' END AS grp
         FROM members m
         CROSS JOIN LATERAL (SELECT (('x' || substr(md5(${campaign}::text || m.id::text), 1, 8))::bit(32)::bigint % 10000)::int AS bucket) b
        WHERE m.blocked IS NULL
     ), placed AS (
       SELECT d.id, d.bucket, d.grp,
              CASE WHEN d.grp = 'VARIANT' THEN (
                SELECT v.key FROM unnest(${keys}::text[], ${uppers}::int[]) AS v(key, upper)
                 WHERE ((d.bucket - ${control}::int)::bigint * 10000 * 10000)
                       / ((10000 - ${control}::int)::bigint * ${test}::int) < v.upper
                 ORDER BY v.upper LIMIT 1) END AS variant_key,
              CASE WHEN d.grp = 'VARIANT' THEN (row_number() OVER (PARTITION BY d.grp ORDER BY d.bucket, d.id) - 1) / ${batchSize}::int END AS batch
         FROM drawn d
     ), inserted AS (
       INSERT INTO campaign_recipients (tenant_id, campaign_id, contact_id, grp, variant_key, bucket, batch, status, assigned_at)
       SELECT $1, ${campaign}::uuid, x.id, x.grp, x.variant_key, x.bucket, x.batch, CASE WHEN x.grp = 'VARIANT' THEN 'PENDING' ELSE 'HELD' END, ${at}
         FROM placed x
       RETURNING grp, batch
     )
     SELECT (SELECT count(*)::int FROM inserted) AS total,
            (SELECT count(*)::int FROM inserted WHERE grp = 'VARIANT') AS to_send,
            (SELECT array_agg(DISTINCT batch ORDER BY batch) FROM inserted WHERE batch IS NOT NULL) AS batches,
            (SELECT jsonb_object_agg(blocked, n) FROM (SELECT blocked, count(*)::int AS n FROM members WHERE blocked IS NOT NULL GROUP BY blocked) e) AS excluded`,
    params,
  );
  return { total: row.total, toSend: row.to_send, batches: row.batches ?? [], excluded: row.excluded ?? {} };
}
