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
import { ensureContacts } from './survivors';

/**
 * A run of analytics' score events (RFM, tier, churn, value) applied
 * set-based: one placeholder insert for contacts not seen yet, then one
 * UPDATE per kind of score, each with the same newer-fact guard as
 * AnalyticsProjection's single-event methods (analytics-projection.ts), so
 * the rows end the same as if the events had been applied one by one.
 * Returns, per event, the contact it was applied to (null if it was older
 * than what the row had).
 */
export async function applyScoreRun(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<(string | null)[]> {
  const contactOf = (e: EventEnvelope) => (e.data as { contactId: string }).contactId;
  await ensureContacts(em, tenantId, events.map(contactOf));
  const rows = (type: string, version: (e: EventEnvelope) => string) =>
    events.filter((e) => e.type === type).map((e) => ({ event: e, id: contactOf(e), at: version(e) }));

  const rfm = rows(CUSTOMER_RFM_CHANGED, (e) => (e.data as CustomerRfmChangedDataV1).asOf);
  const tier = rows(CUSTOMER_TIER_CHANGED, (e) => e.occurredAt);
  const churn = rows(CUSTOMER_CHURN_RISK_CHANGED, (e) => e.occurredAt);
  const value = rows(CUSTOMER_VALUE_CHANGED, (e) => e.occurredAt);

  const updated = new Set<string>();
  const note = (kind: string, ids: Set<string>) => ids.forEach((id) => updated.add(`${kind}:${id}`));
  note(
    'rfm',
    await updateScores(
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
    ),
  );
  const names = new Map<string, string>();
  for (const { event } of rfm) {
    const d = event.data as CustomerRfmChangedDataV1;
    if (d.segmentKey && d.segmentName) names.set(d.segmentKey, d.segmentName);
  }
  await recordSegmentNames(em, tenantId, names);
  note(
    'tier',
    await updateScores(
      em,
      tenantId,
      tier.map(({ event, id, at }) => {
        const d = event.data as CustomerTierChangedDataV1;
        return { id, at, tier: d.tier, clv: d.clv?.amount ?? null, currency: d.clv?.currency ?? null };
      }),
      `id uuid, at timestamptz, tier text, clv numeric, currency text`,
      `tier = v.tier, clv = v.clv, clv_currency = v.currency, tier_changed_at = v.at`,
      `(c.tier_changed_at IS NULL OR c.tier_changed_at <= v.at)`,
    ),
  );
  note(
    'churn',
    await updateScores(
      em,
      tenantId,
      churn.map(({ event, id, at }) => {
        const d = event.data as CustomerChurnRiskChangedDataV1;
        return { id, at, band: d.band, risk: d.churnRisk };
      }),
      `id uuid, at timestamptz, band text, risk float8`,
      `churn_band = v.band, churn_risk = v.risk, churn_changed_at = v.at`,
      `(c.churn_changed_at IS NULL OR c.churn_changed_at <= v.at)`,
    ),
  );
  const valueNewer = `(c.tier_changed_at IS NULL OR c.tier_changed_at <= v.at)`;
  const churnNewer = `(c.churn_changed_at IS NULL OR c.churn_changed_at <= v.at)`;
  note(
    'value',
    await updateScores(
      em,
      tenantId,
      value.map(({ event, id, at }) => {
        const d = event.data as CustomerValueChangedDataV1;
        return {
          id,
          at,
          tier: d.tier,
          clv: d.clv?.amount ?? null,
          currency: d.clv?.currency ?? null,
          band: d.churnBand,
          risk: d.churnRisk,
        };
      }),
      `id uuid, at timestamptz, tier text, clv numeric, currency text, band text, risk float8`,
      `tier = CASE WHEN ${valueNewer} THEN v.tier ELSE c.tier END,
       clv = CASE WHEN ${valueNewer} THEN v.clv ELSE c.clv END,
       clv_currency = CASE WHEN ${valueNewer} THEN v.currency ELSE c.clv_currency END,
       tier_changed_at = CASE WHEN ${valueNewer} THEN v.at ELSE c.tier_changed_at END,
       churn_band = CASE WHEN ${churnNewer} THEN v.band ELSE c.churn_band END,
       churn_risk = CASE WHEN ${churnNewer} THEN v.risk ELSE c.churn_risk END,
       churn_changed_at = CASE WHEN ${churnNewer} THEN v.at ELSE c.churn_changed_at END`,
      `(${valueNewer} OR ${churnNewer})`,
    ),
  );

  // Per event: applied when its contact's row took this kind of score and no earlier event of the run was newer.
  const result = new Map<EventEnvelope, string | null>();
  for (const [kind, list] of [
    ['rfm', rfm],
    ['tier', tier],
    ['churn', churn],
    ['value', value],
  ] as const) {
    const current = notOutdated(
      list,
      (r) => r.id,
      (r) => r.at,
    );
    list.forEach((r, i) => result.set(r.event, current[i] && updated.has(`${kind}:${r.id}`) ? r.id : null));
  }
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
