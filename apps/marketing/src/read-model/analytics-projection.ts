import { Injectable } from '@nestjs/common';
import type {
  CustomerChurnRiskChangedDataV1,
  CustomerRfmChangedDataV1,
  CustomerTierChangedDataV1,
  CustomerValueChangedDataV1,
  OrderRecordedDataV1,
} from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { ensureContacts, refreshAggregates, survivorsOf } from './survivors';
import { recordSegmentNames } from './score-runs';
import { applyOrderRecords, type StoredOrder } from './order-records';

/** The newer-fact test for a group of columns versioned by `column` (checked on the row being updated, so concurrent writers agree). */
const newer = (column: string, at: string) => `(${column} IS NULL OR ${column} <= ${at})`;

/**
 * What analytics knows of a customer — RFM cell and segment, value tier and
 * CLV, churn band and risk — and the orders it recorded. Each fact keeps the
 * time it was true at, so an older event (a redelivery, a replay) never
 * overwrites a newer one. Tier and CLV are versioned together by
 * `tier_changed_at`, churn band and risk by `churn_changed_at`: a tier event,
 * a churn event and a value event of the same scoring carry the same
 * figures, so they agree in any order.
 */
@Injectable()
export class AnalyticsProjection {
  async applyRfm(em: EntityManager, tenantId: string, data: CustomerRfmChangedDataV1): Promise<boolean> {
    await ensureContacts(em, tenantId, [data.contactId]);
    const applied = await em.query(
      `UPDATE contacts SET rfm_segment_key = $3, rfm_segment_name = $4, rfm_score = $5, rfm_recency_days = $6,
              rfm_frequency = $7, rfm_monetary = $8, rfm_currency = $9, rfm_as_of = $10, projected_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (rfm_as_of IS NULL OR rfm_as_of <= $10) RETURNING id`,
      [
        tenantId,
        data.contactId,
        data.segmentKey,
        data.segmentName,
        data.score,
        data.recencyDays,
        data.frequency,
        data.monetary,
        data.currency,
        data.asOf,
      ],
    );
    if (data.segmentKey && data.segmentName) await recordSegmentNames(em, tenantId, new Map([[data.segmentKey, data.segmentName]]));
    return returnedRows(applied).length > 0;
  }

  async applyTier(em: EntityManager, tenantId: string, data: CustomerTierChangedDataV1, at: string): Promise<boolean> {
    await ensureContacts(em, tenantId, [data.contactId]);
    const applied = await em.query(
      `UPDATE contacts SET tier = $3, clv = $4, clv_currency = $5, tier_changed_at = $6, projected_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (tier_changed_at IS NULL OR tier_changed_at <= $6) RETURNING id`,
      [tenantId, data.contactId, data.tier, data.clv?.amount ?? null, data.clv?.currency ?? null, at],
    );
    return returnedRows(applied).length > 0;
  }

  async applyChurn(em: EntityManager, tenantId: string, data: CustomerChurnRiskChangedDataV1, at: string): Promise<boolean> {
    await ensureContacts(em, tenantId, [data.contactId]);
    const applied = await em.query(
      `UPDATE contacts SET churn_band = $3, churn_risk = $4, churn_changed_at = $5, projected_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (churn_changed_at IS NULL OR churn_changed_at <= $5) RETURNING id`,
      [tenantId, data.contactId, data.band, data.churnRisk, at],
    );
    return returnedRows(applied).length > 0;
  }

  /** Every figure of a scoring at once, each group only if it is newer than what the row has. */
  async applyValue(em: EntityManager, tenantId: string, data: CustomerValueChangedDataV1, at: string): Promise<boolean> {
    await ensureContacts(em, tenantId, [data.contactId]);
    const value = newer('tier_changed_at', '$8');
    const churn = newer('churn_changed_at', '$8');
    const applied = await em.query(
      `UPDATE contacts SET
              tier = CASE WHEN ${value} THEN $3 ELSE tier END,
              clv = CASE WHEN ${value} THEN $4::numeric ELSE clv END,
              clv_currency = CASE WHEN ${value} THEN $5 ELSE clv_currency END,
              tier_changed_at = CASE WHEN ${value} THEN $8 ELSE tier_changed_at END,
              churn_band = CASE WHEN ${churn} THEN $6 ELSE churn_band END,
              churn_risk = CASE WHEN ${churn} THEN $7::float8 ELSE churn_risk END,
              churn_changed_at = CASE WHEN ${churn} THEN $8 ELSE churn_changed_at END,
              projected_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (${value} OR ${churn}) RETURNING id`,
      [tenantId, data.contactId, data.tier, data.clv?.amount ?? null, data.clv?.currency ?? null, data.churnBand, data.churnRisk, at],
    );
    return returnedRows(applied).length > 0;
  }

  /** Stores (or replaces) the order and refreshes its customer's order aggregates; returns the survivor it counts for. */
  async applyOrder(em: EntityManager, tenantId: string, order: OrderRecordedDataV1, at: string): Promise<string | null> {
    return (await this.applyOrders(em, tenantId, [{ order, at }]))[0].survivor;
  }

  /**
   * A run of recorded orders (stream order): the customers they name exist
   * first (one statement); then the newest record of each order in the run
   * is written unless a newer one is stored (one statement for the run,
   * which also reads what each order held before); then every customer an
   * order left or joined is recounted once (one statement). Per order, as
   * one by one: a record applies when no earlier record of its order in the
   * run and not the stored one is newer (applyOrderRecords). Returns, per
   * order, whether its record applied (false when a newer record of the
   * order is stored or came earlier in the run) and the survivor it counts
   * for (null when it did not apply or names nobody).
   */
  async applyOrders(
    em: EntityManager,
    tenantId: string,
    orders: readonly { order: OrderRecordedDataV1; at: string }[],
  ): Promise<AppliedOrder[]> {
    await ensureContacts(
      em,
      tenantId,
      orders.map((o) => o.order.contactId).filter((id): id is string => !!id),
    );
    const records = orders.map(({ order, at }) => ({ orderId: order.orderId, contactId: order.contactId ?? null, at }));
    const stored = await writeNewestOrders(em, tenantId, orders);
    const { applied, touched } = applyOrderRecords(records, stored);
    if (touched.length === 0) return orders.map((_, i) => ({ applied: applied[i], survivor: null }));
    const survivors = await survivorsOf(em, tenantId, touched);
    await refreshAggregates(em, tenantId, [...new Set(survivors.values())]);
    return orders.map(({ order }, i) => ({
      applied: applied[i],
      survivor: applied[i] && order.contactId ? (survivors.get(order.contactId) ?? order.contactId) : null,
    }));
  }
}

/** What a recorded order did to the read model: applied or outdated, and the survivor it counts for. */
export interface AppliedOrder {
  applied: boolean;
  survivor: string | null;
}

/**
 * Writes the newest record of each order of a run (by `at`, the later one
 * of a tie, as one by one the later would overwrite) in one statement, in
 * order-id order (the locks every writer of contact_orders takes in that
 * order), unless the stored record is newer. Returns what each order held
 * before the statement, for the orders that had a row.
 */
async function writeNewestOrders(
  em: EntityManager,
  tenantId: string,
  orders: readonly { order: OrderRecordedDataV1; at: string }[],
): Promise<Map<string, StoredOrder>> {
  const newest = new Map<string, { order: OrderRecordedDataV1; at: string }>();
  for (const o of orders) {
    const before = newest.get(o.order.orderId);
    if (!before || Date.parse(before.at) <= Date.parse(o.at)) newest.set(o.order.orderId, o);
  }
  const rows = [...newest.values()].map(({ order, at }) => ({
    order_id: order.orderId,
    contact_id: order.contactId ?? null,
    occurred_at: order.occurredAt,
    amount: order.amount,
    currency: order.currency,
    status: order.status,
    recorded_at: at,
  }));
  // A data-modifying WITH runs to completion whatever the outer query reads; `old` sees the rows as they were before it.
  const before = returnedRows<{ order_id: string; contact_id: string | null; recorded_at: Date }>(
    await em.query(
      `WITH v AS (SELECT * FROM jsonb_to_recordset($2::jsonb)
                    AS v(order_id uuid, contact_id uuid, occurred_at timestamptz, amount numeric, currency text, status text, recorded_at timestamptz)),
            old AS (SELECT o.order_id, o.contact_id, o.recorded_at FROM contact_orders o JOIN v ON o.tenant_id = $1 AND o.order_id = v.order_id),
            written AS (
              INSERT INTO contact_orders (tenant_id, order_id, contact_id, occurred_at, amount, currency, status, recorded_at)
              SELECT $1, v.order_id, v.contact_id, v.occurred_at, v.amount, v.currency, v.status, v.recorded_at FROM v ORDER BY v.order_id
              ON CONFLICT (tenant_id, order_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, occurred_at = EXCLUDED.occurred_at,
                amount = EXCLUDED.amount, currency = EXCLUDED.currency, status = EXCLUDED.status, recorded_at = EXCLUDED.recorded_at
              WHERE contact_orders.recorded_at <= EXCLUDED.recorded_at)
       SELECT order_id, contact_id, recorded_at FROM old`,
      [tenantId, JSON.stringify(rows)],
    ),
  );
  return new Map(before.map((r) => [r.order_id, { contactId: r.contact_id, recordedAt: r.recorded_at.getTime() }]));
}
