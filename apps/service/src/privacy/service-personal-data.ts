import { Injectable } from '@nestjs/common';
import { personRecordIds } from '@rapport/customer-master';
import { affected, ERASED, eraseOutboxMentions, type PersonalDataSource } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/** Deleted cases still in their restore window are the person's too (`cases_all`, ADR 037). */
const CASES_OF = `SELECT id FROM cases_all WHERE contact_id = ANY($1) OR named_contact_id = ANY($1)`;

/**
 * Service holds the person's cases (subject, description), the comments on
 * them, satisfaction answers and tier history. Erasure replaces the free
 * text and keeps each case's status, category, priority, times and SLA
 * figures: service metrics and SLA reports do not change.
 */
@Injectable()
export class ServicePersonalData implements PersonalDataSource {
  async gather(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>> {
    const ids = await personRecordIds(em, tenantId, 'customer_contacts', recordIds);
    const q = (sql: string) => em.query(sql, [ids]) as Promise<unknown[]>;
    return {
      cases: await q(`SELECT * FROM cases_all WHERE id IN (${CASES_OF})`),
      deleted_cases: await q(`SELECT * FROM deleted_cases WHERE case_id IN (${CASES_OF})`),
      case_comments: await q(`SELECT * FROM case_comments WHERE case_id IN (${CASES_OF}) ORDER BY created_at`),
      case_status_history: await q(`SELECT * FROM case_status_history WHERE case_id IN (${CASES_OF}) ORDER BY changed_at`),
      satisfaction_requests: await q(`SELECT * FROM satisfaction_requests WHERE contact_id = ANY($1)`),
      contact_tiers: await q(`SELECT * FROM contact_tiers WHERE contact_id = ANY($1)`),
      customer_contact_emails: await q(`SELECT * FROM customer_contact_emails WHERE contact_id = ANY($1)`),
      inbound_emails: await q(`SELECT * FROM inbound_emails WHERE contact_id = ANY($1) ORDER BY received_at`),
      email_attachments: await q(
        `SELECT id, inbound_email_id, case_id, file_name, content_type, size_bytes, created_at FROM email_attachments
          WHERE inbound_email_id IN (SELECT id FROM inbound_emails WHERE contact_id = ANY($1))`,
      ),
    };
  }

  async erase(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    const ids = await personRecordIds(em, tenantId, 'customer_contacts', recordIds);
    const run = async (sql: string, params: unknown[] = [ids]) => affected(await em.query(sql, params));
    return {
      case_comments: await run(`UPDATE case_comments SET body = $2 WHERE case_id IN (${CASES_OF})`, [ids, ERASED]),
      cases: await run(`UPDATE cases_all SET subject = $2, description = NULL WHERE id IN (${CASES_OF})`, [ids, ERASED]),
      deleted_cases: await run(`UPDATE deleted_cases SET label = $2 WHERE case_id IN (${CASES_OF})`, [ids, ERASED]),
      // The person's emails keep their outcome and times; who wrote what, and the files, go.
      email_attachments: await run(
        `DELETE FROM email_attachments WHERE inbound_email_id IN (SELECT id FROM inbound_emails WHERE contact_id = ANY($1))`,
      ),
      inbound_emails: await run(
        `UPDATE inbound_emails SET from_address = $2, from_name = NULL, subject = $2, body = NULL WHERE contact_id = ANY($1)`,
        [ids, ERASED],
      ),
      customer_contact_emails: await run(`DELETE FROM customer_contact_emails WHERE contact_id = ANY($1)`),
      satisfaction_requests: await run(
        `UPDATE satisfaction_requests SET comment = NULL WHERE contact_id = ANY($1) AND comment IS NOT NULL`,
      ),
      // Exports of the person built before the erasure: their archives (and any part not yet built into one) go too.
      privacy_requests: await run(
        `UPDATE privacy_requests SET archive = NULL, private_key = NULL, download_expires_at = NULL
          WHERE kind = 'EXPORT' AND record_ids && $1::uuid[] AND (archive IS NOT NULL OR private_key IS NOT NULL)`,
      ),
      privacy_answers: await run(
        `UPDATE privacy_answers SET part = NULL
          WHERE part IS NOT NULL AND request_id IN (SELECT id FROM privacy_requests WHERE record_ids && $1::uuid[])`,
      ),
      outbox: await eraseOutboxMentions(em, ids),
    };
  }
}
