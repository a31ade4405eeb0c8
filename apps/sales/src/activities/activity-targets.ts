import { badUserInput } from '@rapport/auth';
import type { EntityManager } from 'typeorm';
import type { TimelineSubject } from '../timeline/timeline-recorder';
import type { ActivityTargetType } from './activity-rules';

/**
 * Checks the target exists within the tenant (the query runs under RLS; no
 * foreign key could check this) and returns the records the activity shows
 * on in timelines: the target and the customer it belongs to.
 */
export async function resolveTarget(em: EntityManager, field: string, type: ActivityTargetType, id: string): Promise<TimelineSubject[]> {
  const self: TimelineSubject = { type, id };
  switch (type) {
    case 'CONTACT': {
      const [row]: { account_id: string | null }[] = await em.query(`SELECT account_id FROM contacts WHERE id = $1`, [id]);
      if (!row) throw notThere(field, type, id);
      return [self, { type: 'ACCOUNT', id: row.account_id }];
    }
    case 'OPPORTUNITY': {
      const [row]: { account_id: string; primary_contact_id: string | null }[] = await em.query(
        `SELECT account_id, primary_contact_id FROM opportunities WHERE id = $1`,
        [id],
      );
      if (!row) throw notThere(field, type, id);
      return [self, { type: 'ACCOUNT', id: row.account_id }, { type: 'CONTACT', id: row.primary_contact_id }];
    }
    case 'LEAD': {
      const [row]: { converted_account_id: string | null; converted_contact_id: string | null }[] = await em.query(
        `SELECT converted_account_id, converted_contact_id FROM leads WHERE id = $1`,
        [id],
      );
      if (!row) throw notThere(field, type, id);
      return [self, { type: 'ACCOUNT', id: row.converted_account_id }, { type: 'CONTACT', id: row.converted_contact_id }];
    }
    case 'ACCOUNT': {
      const rows: unknown[] = await em.query(`SELECT 1 FROM accounts WHERE id = $1`, [id]);
      if (rows.length === 0) throw notThere(field, type, id);
      return [self];
    }
  }
}

function notThere(field: string, type: ActivityTargetType, id: string) {
  return badUserInput(field, `no ${type.toLowerCase()} ${id}`);
}
