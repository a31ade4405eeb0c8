import { Injectable } from '@nestjs/common';
import { personRecordIds } from '@rapport/customer-master';
import { affected, ERASED, eraseOutboxMentions, type PersonalDataSource } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/**
 * Marketing holds the person in its read model (names, addresses,
 * attributes), their consents with proof and history, confirmations, push
 * devices, every message sent to them (with the address), campaign and
 * journey membership, conversions and suppressions of their addresses.
 * Erasure blanks the read model and the addresses and deletes what only
 * identifies (devices, confirmations, external ids, suppressions of their
 * addresses); statuses, counts, conversions and amounts stay, so campaign
 * results and attribution totals do not move.
 */
@Injectable()
export class MarketingPersonalData implements PersonalDataSource {
  async gather(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>> {
    const ids = await personRecordIds(em, tenantId, 'contacts', recordIds);
    const q = (sql: string) => em.query(sql, [ids]) as Promise<unknown[]>;
    return {
      contacts: await q(`SELECT * FROM contacts WHERE id = ANY($1)`),
      contact_external_ids: await q(`SELECT * FROM contact_external_ids WHERE contact_id = ANY($1)`),
      contact_attributes: await q(`SELECT * FROM contact_attributes WHERE contact_id = ANY($1)`),
      consents: await q(`SELECT * FROM consents WHERE contact_id = ANY($1)`),
      consent_history: await q(`SELECT * FROM consent_history WHERE contact_id = ANY($1)`),
      consent_confirmations: await q(`SELECT id, contact_id, channel, purpose, address, source, expires_at, confirmed_at, created_at
                                        FROM consent_confirmations WHERE contact_id = ANY($1)`),
      push_devices: await q(`SELECT contact_id, platform, created_at FROM push_devices WHERE contact_id = ANY($1)`),
      messages: await q(`SELECT * FROM messages WHERE contact_id = ANY($1)`),
      campaign_recipients: await q(`SELECT * FROM campaign_recipients WHERE contact_id = ANY($1)`),
      conversions: await q(`SELECT * FROM conversions WHERE contact_id = ANY($1)`),
      journey_enrollments: await q(`SELECT * FROM journey_enrollments WHERE contact_id = ANY($1)`),
      segment_members: await q(`SELECT * FROM segment_members WHERE contact_id = ANY($1)`),
      contact_orders: await q(`SELECT * FROM contact_orders WHERE contact_id = ANY($1)`),
      suppressions: await q(`SELECT * FROM suppressions WHERE address IN (${ADDRESSES_OF})`),
    };
  }

  async erase(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    const ids = await personRecordIds(em, tenantId, 'contacts', recordIds);
    const run = async (sql: string, params: unknown[] = [ids]) => affected(await em.query(sql, params));
    // Suppressions are keyed by address, so they go first, while the addresses are still known.
    const suppressions = await run(`DELETE FROM suppressions WHERE address IN (${ADDRESSES_OF})`);
    return {
      suppressions,
      contacts: await run(
        `UPDATE contacts SET first_name = NULL, last_name = $2, email = NULL, emails = '{}', phone = NULL, phones = '{}', attributes = '{}'
          WHERE id = ANY($1)`,
        [ids, ERASED],
      ),
      contact_external_ids: await run(`DELETE FROM contact_external_ids WHERE contact_id = ANY($1)`),
      contact_attributes: await run(`DELETE FROM contact_attributes WHERE contact_id = ANY($1)`),
      consents: await run(`UPDATE consents SET proof = NULL WHERE contact_id = ANY($1) AND proof IS NOT NULL`),
      consent_history: await run(`UPDATE consent_history SET proof = NULL WHERE contact_id = ANY($1) AND proof IS NOT NULL`),
      consent_confirmations: await run(`DELETE FROM consent_confirmations WHERE contact_id = ANY($1)`),
      push_devices: await run(`DELETE FROM push_devices WHERE contact_id = ANY($1)`),
      messages: await run(`UPDATE messages SET address = $2, detail = NULL WHERE contact_id = ANY($1)`, [ids, ERASED]),
      journey_enrollments: await run(`UPDATE journey_enrollments SET trigger_data = '{}' WHERE contact_id = ANY($1)`),
      outbox: await eraseOutboxMentions(em, ids),
    };
  }
}

/** Every address the person was reached or known at: their read-model addresses and every message's. */
const ADDRESSES_OF = `SELECT unnest(emails || phones || array_remove(ARRAY[email, phone], NULL)) FROM contacts WHERE id = ANY($1)
                      UNION SELECT address FROM messages WHERE contact_id = ANY($1)
                      UNION SELECT address FROM consent_confirmations WHERE contact_id = ANY($1)`;
