import { Injectable } from '@nestjs/common';
import {
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  type CaseOpenedV1,
  type CaseReopenedV1,
  type CaseResolvedV1,
  type CaseStatusChangedV1,
  type CaseStatusV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** The service case events analytics follows: enough to know each contact's open complaints. */
export const CASE_EVENT_TYPES = [CASE_OPENED, CASE_RESOLVED, CASE_REOPENED, CASE_STATUS_CHANGED];

/** One case as the projection stores it, from one event. */
interface CaseChange {
  caseId: string;
  /** Null for status_changed, which names only the case: the stored contact and category stay. */
  contactId: string | null;
  category: string | null;
  status: CaseStatusV1;
  at: string;
}

function changeOf(event: EventEnvelope): CaseChange | null {
  switch (event.type) {
    case CASE_OPENED: {
      const c = (event as CaseOpenedV1).data.case;
      return { caseId: c.id, contactId: c.contactId, category: c.category, status: c.status, at: event.occurredAt };
    }
    case CASE_RESOLVED: {
      const c = (event as CaseResolvedV1).data.case;
      return { caseId: c.id, contactId: c.contactId, category: c.category, status: 'RESOLVED', at: event.occurredAt };
    }
    case CASE_REOPENED: {
      const c = (event as CaseReopenedV1).data.case;
      return { caseId: c.id, contactId: c.contactId, category: c.category, status: 'OPEN', at: event.occurredAt };
    }
    case CASE_STATUS_CHANGED: {
      const d = (event as CaseStatusChangedV1).data;
      return { caseId: d.caseId, contactId: null, category: null, status: d.to, at: event.occurredAt };
    }
    default:
      return null;
  }
}

/**
 * Keeps analytics' copy of service cases (contact, category, status), in the
 * events' inbox transaction. Each event's instant versions the row, so an
 * older event redelivered after a newer one changes nothing. A
 * status_changed for a case never seen opened is skipped (it names no
 * contact). Returns the contacts whose open complaints may have changed
 * (complaints only), to rescore their churn risk.
 */
@Injectable()
export class CaseProjection {
  async apply(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<string[]> {
    const affected = new Set<string>();
    for (const event of events) {
      const change = changeOf(event);
      if (!change) continue;
      const rows: { contact_id: string | null; category: string; was_complaint: boolean; old_contact: string | null }[] = returnedRows(
        change.contactId === null && change.category === null
          ? await em.query(
              `UPDATE contact_cases k SET status = $3, status_at = $4
                   FROM (SELECT contact_id AS old_contact, category = 'COMPLAINT' AS was_complaint
                           FROM contact_cases WHERE tenant_id = $1 AND case_id = $2) old
                  WHERE k.tenant_id = $1 AND k.case_id = $2 AND k.status_at <= $4
                  RETURNING k.contact_id, k.category, old.was_complaint, old.old_contact`,
              [tenantId, change.caseId, change.status, change.at],
            )
          : await em.query(
              `WITH old AS (SELECT contact_id, category FROM contact_cases WHERE tenant_id = $1 AND case_id = $2)
                 INSERT INTO contact_cases AS k (tenant_id, case_id, contact_id, category, status, status_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (tenant_id, case_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, category = EXCLUDED.category,
                   status = EXCLUDED.status, status_at = EXCLUDED.status_at
                   WHERE k.status_at <= EXCLUDED.status_at
                 RETURNING k.contact_id, k.category,
                           coalesce((SELECT category = 'COMPLAINT' FROM old), false) AS was_complaint,
                           (SELECT contact_id FROM old) AS old_contact`,
              [tenantId, change.caseId, change.contactId, change.category, change.status, change.at],
            ),
      );
      for (const r of rows) {
        if (r.category === 'COMPLAINT' && r.contact_id) affected.add(r.contact_id);
        // A case moved away from a contact, or stopped being a complaint: the contact it left counts one less.
        if (r.was_complaint && r.old_contact) affected.add(r.old_contact);
      }
    }
    return [...affected];
  }
}
