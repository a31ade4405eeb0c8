import { Injectable } from '@nestjs/common';
import type { CaseSnapshotV1, CaseStatusV1 } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { ensureContacts, refreshAggregates, survivorOf } from './survivors';

const CLOSED: CaseStatusV1[] = ['RESOLVED', 'CLOSED'];

export interface CaseChange {
  /** The survivor whose counts changed; null when the event changed nothing here. */
  contactId: string | null;
  /** Open complaints went from none to some (journeys pause) … */
  complaintOpened: boolean;
  /** … or from some to none (they resume). */
  complaintsCleared: boolean;
}

const NO_CHANGE: CaseChange = { contactId: null, complaintOpened: false, complaintsCleared: false };

/**
 * Open cases and complaints per contact, from service's case events, so a
 * customer who has just complained is not approached for marketing. A case
 * is open until resolved or closed; a reopen opens it again. Events older
 * than what the row holds are ignored (replays, redeliveries).
 */
@Injectable()
export class CaseProjection {
  async applySnapshot(em: EntityManager, tenantId: string, snapshot: CaseSnapshotV1, at: string): Promise<CaseChange> {
    if (!snapshot.contactId) return NO_CHANGE;
    await ensureContacts(em, tenantId, [snapshot.contactId]);
    const applied = returnedRows(
      await em.query(
        `INSERT INTO contact_cases (tenant_id, case_id, contact_id, category, status, open, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, case_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, category = EXCLUDED.category,
           status = EXCLUDED.status, open = EXCLUDED.open, changed_at = EXCLUDED.changed_at
         WHERE contact_cases.changed_at <= EXCLUDED.changed_at
         RETURNING case_id`,
        [tenantId, snapshot.id, snapshot.contactId, snapshot.category, snapshot.status, !CLOSED.includes(snapshot.status), at],
      ),
    );
    if (applied.length === 0) return NO_CHANGE;
    return this.refresh(em, tenantId, snapshot.contactId);
  }

  async applyStatus(em: EntityManager, tenantId: string, caseId: string, status: CaseStatusV1, at: string): Promise<CaseChange> {
    const [row] = returnedRows<{ contact_id: string }>(
      await em.query(
        `UPDATE contact_cases SET status = $3, open = $4, changed_at = $5
          WHERE tenant_id = $1 AND case_id = $2 AND changed_at <= $5 RETURNING contact_id`,
        [tenantId, caseId, status, !CLOSED.includes(status), at],
      ),
    );
    return row ? this.refresh(em, tenantId, row.contact_id) : NO_CHANGE;
  }

  private async refresh(em: EntityManager, tenantId: string, contactId: string): Promise<CaseChange> {
    const survivor = await survivorOf(em, tenantId, contactId);
    const { complaintOpened, complaintsCleared } = await refreshAggregates(em, tenantId, [survivor]);
    return { contactId: survivor, complaintOpened: complaintOpened.length > 0, complaintsCleared: complaintsCleared.length > 0 };
  }
}
