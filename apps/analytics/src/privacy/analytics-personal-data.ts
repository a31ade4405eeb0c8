import { Injectable } from '@nestjs/common';
import { personRecordIds } from '@rapport/customer-master';
import { affected, eraseOutboxMentions, externalCustomerRecords, type PersonalDataSource } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/**
 * Analytics holds the person's orders (with the shop's customer key), their
 * external ids, scores and values, and the cases counted for them. Erasure
 * keeps every amount, date and score — revenue totals, RFM and the CLV
 * model's fits stay as they were — and drops what identifies the person
 * outside Rapport: the external ids and the orders' customer keys.
 */
@Injectable()
export class AnalyticsPersonalData implements PersonalDataSource {
  async gather(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>> {
    const ids = await personRecordIds(em, tenantId, 'contacts', recordIds);
    const q = (sql: string) => em.query(sql, [ids]) as Promise<unknown[]>;
    return {
      contacts: await q(`SELECT * FROM contacts WHERE id = ANY($1)`),
      contact_external_ids: await q(`SELECT * FROM contact_external_ids WHERE contact_id = ANY($1)`),
      orders: await q(`SELECT * FROM orders WHERE contact_id = ANY($1) OR customer_contact_id = ANY($1)`),
      rfm_scores: await q(`SELECT * FROM rfm_scores WHERE contact_id = ANY($1)`),
      customer_values: await q(`SELECT * FROM customer_values WHERE contact_id = ANY($1)`),
      contact_cases: await q(`SELECT * FROM contact_cases WHERE contact_id = ANY($1)`),
    };
  }

  /** Partners' commerce events about a customer they knew only by an external id were sealed under that id. */
  async sealedRecords(em: EntityManager, tenantId: string, recordIds: string[]): Promise<string[]> {
    return externalCustomerRecords(em, await personRecordIds(em, tenantId, 'contacts', recordIds));
  }

  async erase(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    const ids = await personRecordIds(em, tenantId, 'contacts', recordIds);
    const run = async (sql: string) => affected(await em.query(sql, [ids]));
    // Shop events about a customer named only by an external id (ADR 052) mention no contact id: found by the id, before it goes.
    const shopEvents = await run(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND envelope->'data'->'externalCustomer' IN
         (SELECT jsonb_build_object('source', source, 'key', key) FROM contact_external_ids WHERE contact_id = ANY($1))`,
    );
    return {
      contact_external_ids: await run(`DELETE FROM contact_external_ids WHERE contact_id = ANY($1)`),
      orders: await run(
        `UPDATE orders SET customer_key = NULL WHERE (contact_id = ANY($1) OR customer_contact_id = ANY($1)) AND customer_key IS NOT NULL`,
      ),
      outbox: shopEvents + (await eraseOutboxMentions(em, ids)),
    };
  }
}
