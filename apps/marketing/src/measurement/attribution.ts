import { Injectable } from '@nestjs/common';
import { CONVERSION_ATTRIBUTED, SYSTEM_ACTOR, type AttributionModelV1, type OrderRecordedDataV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { ServiceDatabase } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { groupMembers } from '../consent/contact-groups';

interface Touch {
  campaign_id: string;
  grp: 'VARIANT' | 'ROLLOUT' | 'CONTROL';
  variant_key: string | null;
  message_id: string | null;
  touched_at: Date;
}

/** Whether an order can earn credits: placed, for a known customer, with a positive amount (otherwise it loses any it had). */
function creditable(order: OrderRecordedDataV1, survivor: string | null): boolean {
  return !!survivor && order.status === 'PLACED' && !order.amount.startsWith('-') && !/^0+(\.0+)?$/.test(order.amount);
}

/**
 * Credits orders to the campaigns that touched the customer before them:
 * a sent message (or, for control-group members, the launch that left them
 * out) within the campaign's attribution window before the order. Under
 * LAST_TOUCH the latest such touch gets the order, under FIRST_TOUCH the
 * earliest; each credit is kept once per (order, model) and published as
 * marketing.conversion.attributed. A cancelled or refunded order loses its
 * credits. Orders count in the campaign's figures only in its currency.
 */
@Injectable()
export class Attribution {
  constructor(private readonly db: ServiceDatabase) {}

  /**
   * A run of orders (stream order), each as if alone: the touches of
   * every creditable order are read in one statement (attribution never
   * writes what it reads), the credits of the orders that lose theirs are
   * removed in one statement, then each order with touches is credited in
   * order. When an order appears twice in the run, its removal and credits
   * must keep their order, so each order is then taken on its own.
   */
  async onOrders(
    em: EntityManager,
    tenantId: string,
    orders: readonly { data: OrderRecordedDataV1; survivor: string | null }[],
  ): Promise<void> {
    if (orders.length === 0) return;
    const touches = await this.touchesOf(
      em,
      tenantId,
      orders.map((o) => (creditable(o.data, o.survivor) ? o : null)),
    );
    const cleared = orders.filter((o) => !creditable(o.data, o.survivor)).map((o) => o.data.orderId);
    const distinct = new Set(orders.map((o) => o.data.orderId)).size === orders.length;
    if (distinct && cleared.length > 0)
      await em.query(`DELETE FROM conversions WHERE tenant_id = $1 AND order_id = ANY($2::uuid[])`, [tenantId, cleared]);
    for (let i = 0; i < orders.length; i++) {
      const { data, survivor } = orders[i];
      if (!creditable(data, survivor) || !survivor) {
        if (!distinct) await em.query(`DELETE FROM conversions WHERE tenant_id = $1 AND order_id = $2`, [tenantId, data.orderId]);
        continue;
      }
      const found = touches[i];
      if (found.length === 0) continue;
      await this.credit(em, tenantId, data, survivor, 'FIRST_TOUCH', found[0]);
      await this.credit(em, tenantId, data, survivor, 'LAST_TOUCH', found[found.length - 1]);
    }
  }

  /** Per order (null: not creditable), the touches before it within their campaigns' windows, earliest first. */
  private async touchesOf(
    em: EntityManager,
    tenantId: string,
    orders: readonly ({ data: OrderRecordedDataV1; survivor: string | null } | null)[],
  ): Promise<Touch[][]> {
    const asked = orders.flatMap((o, i) => (o?.survivor ? [{ i, survivor: o.survivor, at: o.data.occurredAt }] : []));
    const found: Touch[][] = orders.map(() => []);
    if (asked.length === 0) return found;
    const rows: (Touch & { i: number })[] = await em.query(
      `SELECT v.i, r.campaign_id, r.grp, r.variant_key, r.message_id, coalesce(r.touched_at, r.assigned_at) AS touched_at
         FROM unnest($2::int[], $3::uuid[], $4::timestamptz[]) AS v(i, survivor, at)
         JOIN campaign_recipients r ON r.tenant_id = $1 AND r.contact_id IN ${groupMembers('v.survivor')}
         JOIN campaigns k ON k.id = r.campaign_id
        WHERE ((r.grp IN ('VARIANT', 'ROLLOUT') AND r.status = 'SENT') OR r.grp = 'CONTROL')
          AND coalesce(r.touched_at, r.assigned_at) <= v.at
          AND v.at <= coalesce(r.touched_at, r.assigned_at) + make_interval(days => k.attribution_window_days)
        ORDER BY v.i, coalesce(r.touched_at, r.assigned_at), r.campaign_id`,
      [tenantId, asked.map((a) => a.i), asked.map((a) => a.survivor), asked.map((a) => a.at)],
    );
    for (const { i, ...touch } of rows) found[i].push(touch);
    return found;
  }

  private async credit(
    em: EntityManager,
    tenantId: string,
    order: OrderRecordedDataV1,
    contactId: string,
    model: AttributionModelV1,
    touch: Touch,
  ) {
    const group = touch.grp === 'CONTROL' ? 'CONTROL' : 'VARIANT';
    const [row] = returnedRows<{ id: string; inserted: boolean }>(
      await em.query(
        `INSERT INTO conversions (id, tenant_id, order_id, model, campaign_id, contact_id, grp, variant_key, message_id, amount, currency, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, order_id, model) DO UPDATE SET campaign_id = EXCLUDED.campaign_id, contact_id = EXCLUDED.contact_id,
           grp = EXCLUDED.grp, variant_key = EXCLUDED.variant_key, message_id = EXCLUDED.message_id, amount = EXCLUDED.amount,
           currency = EXCLUDED.currency, occurred_at = EXCLUDED.occurred_at
         RETURNING id, (xmax = 0) AS inserted`,
        [
          uuidv7(),
          tenantId,
          order.orderId,
          model,
          touch.campaign_id,
          contactId,
          touch.grp,
          touch.variant_key,
          touch.message_id,
          order.amount,
          order.currency,
          order.occurredAt,
        ],
      ),
    );
    if (!row?.inserted) return;
    await this.db.publish(
      em,
      newEvent({
        type: CONVERSION_ATTRIBUTED,
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: order.orderId,
        data: {
          conversionId: row.id,
          orderId: order.orderId,
          contactId,
          campaignId: touch.campaign_id,
          variantKey: touch.variant_key,
          group,
          messageId: touch.message_id,
          model,
          amount: order.amount,
          currency: order.currency,
          occurredAt: new Date(order.occurredAt).toISOString(),
        },
      }),
    );
  }
}
