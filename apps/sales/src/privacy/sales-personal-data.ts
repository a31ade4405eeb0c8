import { Injectable } from '@nestjs/common';
import { personRecordIds } from '@rapport/customer-master';
import { affected, ERASED, eraseOutboxMentions, externalCustomerRecords, type PersonalDataSource } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { withNamesPruned } from '../duplicates/contact-names';
import { forgetMergeImages } from '../merge/merge-images';

/** Activities about the person: on their contact records, or on the leads they were before conversion. */
const ABOUT_PERSON = `(target_type = 'CONTACT' AND target_id = ANY($1))
   OR (target_type = 'LEAD' AND target_id IN (SELECT id FROM leads_all WHERE converted_contact_id = ANY($1)))`;

/**
 * Timeline entries about the person: on their contacts' and converted leads'
 * timelines, and those elsewhere (the account's) that refer to one of them or
 * to an activity about them ("Lead converted: Ada Lovelace").
 */
const TIMELINE_ABOUT = `subject_id = ANY($1) OR ref_id = ANY($1)`;

async function timelineKeys(em: EntityManager, contactIds: string[]): Promise<string[]> {
  const activities: { id: string }[] = await em.query(`SELECT id FROM activities_all WHERE ${ABOUT_PERSON}`, [contactIds]);
  return [...contactIds, ...(await convertedLeads(em, contactIds)), ...activities.map((a) => a.id)];
}

async function convertedLeads(em: EntityManager, contactIds: string[]): Promise<string[]> {
  const leads: { id: string }[] = await em.query(`SELECT id FROM leads_all WHERE converted_contact_id = ANY($1)`, [contactIds]);
  return leads.map((l) => l.id);
}

/**
 * Sales holds the person as the customer master: the contact records (the
 * survivor and what was merged into it), their external ids, the merge log's
 * before/after images, activities and timeline entries about them, quotes
 * and opportunities naming them, and leads converted into them.
 * Erasure anonymises the contact rows rather than deleting them: quotes and
 * opportunities keep their amounts and the forecast its totals. A deleted
 * contact waiting out its restore window is the same person: both read and
 * write the `_all` tables, so it is exported and erased like a live one.
 */
@Injectable()
export class SalesPersonalData implements PersonalDataSource {
  async gather(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>> {
    const ids = await personRecordIds(em, tenantId, 'contacts_all', recordIds);
    const q = (sql: string) => em.query(sql, [ids]) as Promise<unknown[]>;
    return {
      contacts: await q(`SELECT * FROM contacts_all WHERE id = ANY($1)`),
      contact_external_ids: await q(`SELECT * FROM contact_external_ids WHERE contact_id = ANY($1)`),
      contact_merges: await q(
        `SELECT * FROM contact_merges WHERE kind = 'CONTACT' AND (survivor_id = ANY($1) OR merged_ids && $1::uuid[])`,
      ),
      activities: await q(`SELECT * FROM activities_all WHERE ${ABOUT_PERSON}`),
      timeline_entries: await em.query(`SELECT * FROM timeline_entries WHERE ${TIMELINE_ABOUT}`, [await timelineKeys(em, ids)]),
      quotes: await q(`SELECT * FROM quotes WHERE contact_id = ANY($1)`),
      opportunities: await q(`SELECT * FROM opportunities_all WHERE primary_contact_id = ANY($1)`),
      deleted_records: await q(`SELECT * FROM deleted_records WHERE record_type = 'CONTACT' AND record_id = ANY($1)`),
      leads: await q(`SELECT * FROM leads_all WHERE converted_contact_id = ANY($1)`),
    };
  }

  /** Leads converted into the person were sealed under their own ids; partners' events under the person's external ids. */
  async sealedRecords(em: EntityManager, tenantId: string, recordIds: string[]): Promise<string[]> {
    const ids = await personRecordIds(em, tenantId, 'contacts_all', recordIds);
    return [...(await convertedLeads(em, ids)), ...(await externalCustomerRecords(em, ids))];
  }

  async erase(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    // The duplicate rule's table of distinct names forgets the person's names too.
    return withNamesPruned(em, () => this.eraseRecords(em, tenantId, recordIds));
  }

  private async eraseRecords(em: EntityManager, tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    const ids = await personRecordIds(em, tenantId, 'contacts_all', recordIds);
    const run = async (sql: string, params: unknown[] = [ids]) => affected(await em.query(sql, params));
    // Read before the activities go: their entries on the account's timeline are found by them.
    const timeline = await timelineKeys(em, ids);
    return {
      contacts: await run(
        `UPDATE contacts_all SET first_name = $2, last_name = $2, emails = '{}', phones = '{}', addresses = '[]', tags = '{}', source = NULL,
                updated_at = now() WHERE id = ANY($1)`,
        [ids, ERASED],
      ),
      // The bin names deleted records (the contact, activities about it, leads converted into it); entries stay, anonymised.
      deleted_records: await run(
        `UPDATE deleted_records SET label = $2
          WHERE (record_type = 'CONTACT' AND record_id = ANY($1))
             OR (record_type = 'ACTIVITY' AND record_id IN (SELECT id FROM activities_all WHERE ${ABOUT_PERSON}))
             OR (record_type = 'LEAD' AND record_id IN (SELECT id FROM leads_all WHERE converted_contact_id = ANY($1)))`,
        [ids, ERASED],
      ),
      contact_external_ids: await run(`DELETE FROM contact_external_ids WHERE contact_id = ANY($1)`),
      // The images are whole contact snapshots from before and after a merge; an unmerge of an erased person is refused with the reason.
      contact_merges: await forgetMergeImages(em, 'CONTACT', ids, 'ERASED'),
      activities: await run(`DELETE FROM activities_all WHERE ${ABOUT_PERSON}`),
      timeline_entries: await run(`DELETE FROM timeline_entries WHERE ${TIMELINE_ABOUT}`, [timeline]),
      quotes: await run(`UPDATE quotes SET notes = NULL WHERE contact_id = ANY($1) AND notes IS NOT NULL`),
      leads: await run(
        `UPDATE leads_all SET first_name = NULL, last_name = $2, email = NULL, phone = NULL, company = NULL WHERE converted_contact_id = ANY($1)`,
        [ids, ERASED],
      ),
      // Lead events name the lead, not the contact it became.
      outbox: await eraseOutboxMentions(em, [...ids, ...(await convertedLeads(em, ids))]),
    };
  }
}
