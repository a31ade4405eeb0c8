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
    return (await this.applyOrders(em, tenantId, [{ order, at }]))[0];
  }

  /**
   * A run of recorded orders (stream order): the customers they name exist
   * first (one statement), each order row is written unless a newer record
   * of it is there (one statement each, which also reads who it counted for
   * before), then every customer an order left or joined is recounted once
   * (one statement). Returns, per order, the survivor it counts for (null
   * when the record was outdated or names nobody).
   */
  async applyOrders(
    em: EntityManager,
    tenantId: string,
    orders: readonly { order: OrderRecordedDataV1; at: string }[],
  ): Promise<(string | null)[]> {
    await ensureContacts(
      em,
      tenantId,
      orders.map((o) => o.order.contactId).filter((id): id is string => !!id),
    );
    const touched: string[] = [];
    const applied: boolean[] = [];
    for (const { order, at } of orders) {
      const [row] = returnedRows<{ previous: string | null }>(
        await em.query(
          `WITH old AS (SELECT contact_id FROM contact_orders WHERE tenant_id = $1 AND order_id = $2)
           INSERT INTO contact_orders (tenant_id, order_id, contact_id, occurred_at, amount, currency, status, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (tenant_id, order_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, occurred_at = EXCLUDED.occurred_at,
             amount = EXCLUDED.amount, currency = EXCLUDED.currency, status = EXCLUDED.status, recorded_at = EXCLUDED.recorded_at
           WHERE contact_orders.recorded_at <= EXCLUDED.recorded_at
           RETURNING (SELECT contact_id FROM old) AS previous`,
          [tenantId, order.orderId, order.contactId, order.occurredAt, order.amount, order.currency, order.status, at],
        ),
      );
      applied.push(row !== undefined);
      if (row) touched.push(...[row.previous, order.contactId].filter((id): id is string => !!id));
    }
    if (touched.length === 0) return orders.map(() => null);
    const survivors = await survivorsOf(em, tenantId, touched);
    await refreshAggregates(em, tenantId, [...new Set(survivors.values())]);
    return orders.map(({ order }, i) => (applied[i] && order.contactId ? (survivors.get(order.contactId) ?? order.contactId) : null));
  }
}
