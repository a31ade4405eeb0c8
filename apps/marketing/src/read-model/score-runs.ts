import {
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  type CustomerChurnRiskChangedDataV1,
  type CustomerRfmChangedDataV1,
  type CustomerTierChangedDataV1,
  type CustomerValueChangedDataV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { notOutdated } from './event-runs';
import { valueScoreWrites, type ValueScore } from './value-scores';
import { ensureContacts } from './survivors';

/** The events that carry value figures (value-scores.ts): one write per contact for all of them. */
const VALUE_SCORES = new Set<string>([CUSTOMER_TIER_CHANGED, CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_VALUE_CHANGED]);

/**
 * A run of analytics' score events (RFM, tier, churn, value) applied
 * set-based: one placeholder insert for contacts not seen yet, one UPDATE
 * for the RFM figures with the same newer-fact guard as
 * AnalyticsProjection's single-event methods (analytics-projection.ts), and
 * one UPDATE for the value figures (tier, churn, value events) worked out
 * from the rows' versions (valueScoreWrites), so the rows end the same as
 * if the events had been applied one by one. Returns, per event, the
 * contact it was applied to (null if it was older than what the row had).
 */
export async function applyScoreRun(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<(string | null)[]> {
  const contactOf = (e: EventEnvelope) => (e.data as { contactId: string }).contactId;
  await ensureContacts(em, tenantId, events.map(contactOf));
  const rows = (type: string, version: (e: EventEnvelope) => string) =>
    events.filter((e) => e.type === type).map((e) => ({ event: e, id: contactOf(e), at: version(e) }));

  const rfm = rows(CUSTOMER_RFM_CHANGED, (e) => (e.data as CustomerRfmChangedDataV1).asOf);

  const updated = await updateScores(
    em,
    tenantId,
    rfm.map(({ event, id, at }) => {
      const d = event.data as CustomerRfmChangedDataV1;
      return {
        id,
        at,
        key: d.segmentKey,
        name: d.segmentName,
        score: d.score,
        recency: d.recencyDays,
        frequency: d.frequency,
        monetary: d.monetary,
        currency: d.currency,
      };
    }),
    `id uuid, at timestamptz, key text, name text, score text, recency int, frequency int, monetary numeric, currency text`,
    `rfm_segment_key = v.key, rfm_segment_name = v.name, rfm_score = v.score, rfm_recency_days = v.recency,
       rfm_frequency = v.frequency, rfm_monetary = v.monetary, rfm_currency = v.currency, rfm_as_of = v.at`,
    `(c.rfm_as_of IS NULL OR c.rfm_as_of <= v.at)`,
  );
  const names = new Map<string, string>();
  for (const { event } of rfm) {
    const d = event.data as CustomerRfmChangedDataV1;
    if (d.segmentKey && d.segmentName) names.set(d.segmentKey, d.segmentName);
  }
  await recordSegmentNames(em, tenantId, names);
  const valueEvents = events.filter((e) => VALUE_SCORES.has(e.type));
  const valueApplied = await applyValueScores(em, tenantId, valueEvents.map(valueScoreOf));
  // Per event: an RFM event applied when its contact's row took the run's RFM and no earlier event of the run was newer.
  const result = new Map<EventEnvelope, string | null>();
  const current = notOutdated(
    rfm,
    (r) => r.id,
    (r) => r.at,
  );
  rfm.forEach((r, i) => result.set(r.event, current[i] && updated.has(r.id) ? r.id : null));
  valueEvents.forEach((e, i) => result.set(e, valueApplied[i] ? contactOf(e) : null));
  return events.map((e) => result.get(e) ?? null);
}
/** One score event of a run, as the set-based update reads it. */
interface ScoreRow {
  id: string;
  at: string;
  [column: string]: unknown;
}

/**
 * Applies the rows of one kind of score set-based, keeping per contact only
 * the newest of the run (an UPDATE takes one source row per target row);
 * `set` and `guard` read the new values from `v`. Returns the contacts
 * updated.
 */
export async function updateScores(
  em: EntityManager,
  tenantId: string,
  rows: readonly ScoreRow[],
  recordType: string,
  set: string,
  guard: string,
): Promise<Set<string>> {
  const newest = new Map<string, ScoreRow>();
  for (const r of rows) {
    const before = newest.get(r.id);
    if (!before || before.at <= r.at) newest.set(r.id, r);
  }
  if (newest.size === 0) return new Set();
  const updated = returnedRows<{ id: string }>(
    await em.query(
      `UPDATE contacts c SET ${set}, projected_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS v(${recordType})
        WHERE c.tenant_id = $1 AND c.id = v.id AND ${guard} RETURNING c.id`,
      [tenantId, JSON.stringify([...newest.values()])],
    ),
  );
  return new Set(updated.map((r) => r.id));
}

/**
 * Keeps the display name of each RFM segment key. Only new or renamed keys
 * are written (in key order): the names rarely change, and a row every
 * score batch rewrote would be one that two batches of a tenant lock in
 * different orders.
 */
export async function recordSegmentNames(em: EntityManager, tenantId: string, names: ReadonlyMap<string, string>): Promise<void> {
  if (names.size === 0) return;
  await em.query(
    `INSERT INTO rfm_segment_names (tenant_id, key, name)
     SELECT $1, n.key, n.name FROM unnest($2::text[], $3::text[]) AS n(key, name)
      WHERE NOT EXISTS (SELECT 1 FROM rfm_segment_names s WHERE s.tenant_id = $1 AND s.key = n.key AND s.name = n.name)
      ORDER BY n.key
     ON CONFLICT (tenant_id, key) DO UPDATE SET name = EXCLUDED.name`,
    [tenantId, [...names.keys()], [...names.values()]],
  );
}

function valueScoreOf(event: EventEnvelope): ValueScore {
  const at = Date.parse(event.occurredAt);
  switch (event.type) {
    case CUSTOMER_TIER_CHANGED: {
      const d = event.data as CustomerTierChangedDataV1;
      return { contactId: d.contactId, at, tier: { tier: d.tier, clv: d.clv?.amount ?? null, currency: d.clv?.currency ?? null } };
    }
    case CUSTOMER_CHURN_RISK_CHANGED: {
      const d = event.data as CustomerChurnRiskChangedDataV1;
      return { contactId: d.contactId, at, churn: { band: d.band, risk: d.churnRisk } };
    }
    default: {
      const d = event.data as CustomerValueChangedDataV1;
      return {
        contactId: d.contactId,
        at,
        tier: { tier: d.tier, clv: d.clv?.amount ?? null, currency: d.clv?.currency ?? null },
        churn: { band: d.churnBand, risk: d.churnRisk },
      };
    }
  }
}

/**
 * Writes a run of value scores (tier, churn and value events, stream
 * order): reads the versions of their contacts' rows (locked, so they stay
 * what the writes are worked out from), then writes each contact once.
 * Returns, per score, whether it applied.
 */
async function applyValueScores(em: EntityManager, tenantId: string, scores: readonly ValueScore[]): Promise<boolean[]> {
  if (scores.length === 0) return [];
  const versions: { id: string; tierAt: Date | null; churnAt: Date | null }[] = await em.query(
    `SELECT id, tier_changed_at AS "tierAt", churn_changed_at AS "churnAt" FROM contacts
      WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
    [tenantId, [...new Set(scores.map((s) => s.contactId))]],
  );
  const stored = new Map(versions.map((v) => [v.id, { tierAt: v.tierAt?.getTime() ?? null, churnAt: v.churnAt?.getTime() ?? null }]));
  const { applied, writes } = valueScoreWrites(scores, stored);
  if (writes.length === 0) return applied;
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  await em.query(
    `UPDATE contacts c
        SET tier = CASE WHEN v.tier_at IS NULL THEN c.tier ELSE v.tier END,
            clv = CASE WHEN v.tier_at IS NULL THEN c.clv ELSE v.clv END,
            clv_currency = CASE WHEN v.tier_at IS NULL THEN c.clv_currency ELSE v.currency END,
            tier_changed_at = coalesce(v.tier_at, c.tier_changed_at),
            churn_band = CASE WHEN v.churn_at IS NULL THEN c.churn_band ELSE v.band END,
            churn_risk = CASE WHEN v.churn_at IS NULL THEN c.churn_risk ELSE v.risk END,
            churn_changed_at = coalesce(v.churn_at, c.churn_changed_at),
            projected_at = now()
       FROM jsonb_to_recordset($2::jsonb)
            AS v(id uuid, tier_at timestamptz, tier text, clv numeric, currency text, churn_at timestamptz, band text, risk float8)
      WHERE c.tenant_id = $1 AND c.id = v.id`,
    [
      tenantId,
      JSON.stringify(
        writes.map((w) => ({
          id: w.contactId,
          tier_at: iso(w.tier?.at),
          tier: w.tier?.tier ?? null,
          clv: w.tier?.clv ?? null,
          currency: w.tier?.currency ?? null,
          churn_at: iso(w.churn?.at),
          band: w.churn?.band ?? null,
          risk: w.churn?.risk ?? null,
        })),
      ),
    ],
  );
  return applied;
}
