import type { CustomerKind } from '@rapport/customer-master';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/**
 * The writes other features make to a case, each in the caller's
 * transaction (ADR 040: cases writes its table; routing, SLA timers and the
 * customer master decide, and call these). The caller publishes and audits.
 */

/** Routing moved the case to a queue and owner. */
export async function storeAssignment(
  em: EntityManager,
  caseId: string,
  queueId: string | null,
  ownerId: string | null,
  at: Date,
): Promise<void> {
  await em.query(`UPDATE cases SET queue_id = $2, owner_id = $3, updated_at = $4 WHERE id = $1`, [caseId, queueId, ownerId, at]);
}

/** An SLA clock's warning or breach, recorded once (the timer checks the case still needs it). */
export async function storeSlaMark(
  em: EntityManager,
  caseId: string,
  clock: 'first_response' | 'resolution',
  mark: 'warned' | 'breached',
  at: Date,
): Promise<void> {
  await em.query(`UPDATE cases SET ${clock}_${mark}_at = $2 WHERE id = $1`, [caseId, at]);
}

/** A breach raised the case's priority. */
export async function storeEscalatedPriority(em: EntityManager, caseId: string, priority: string, at: Date): Promise<void> {
  await em.query(`UPDATE cases SET priority = $2, updated_at = $3 WHERE id = $1`, [caseId, priority, at]);
}

/** Business minutes computed later for a case stored without them; a figure already there is kept. */
export async function fillBusinessMinutes(
  em: EntityManager,
  caseId: string,
  minutes: { firstResponse: number | null; resolution: number | null },
): Promise<void> {
  await em.query(
    `UPDATE cases SET first_response_business_minutes = coalesce(first_response_business_minutes, $2),
                      resolution_business_minutes = coalesce(resolution_business_minutes, $3) WHERE id = $1`,
    [caseId, minutes.firstResponse, minutes.resolution],
  );
}

/** The cases column that stands at the survivor of the record the case was opened for (`named_*`). Trusted identifiers. */
const CASE_LINKS: Record<CustomerKind, { column: string; named: string; records: string }> = {
  CONTACT: { column: 'contact_id', named: 'named_contact_id', records: 'customer_contacts' },
  ACCOUNT: { column: 'account_id', named: 'named_account_id', records: 'customer_accounts' },
};

/**
 * The customer master moved these records (a merge or its undo): every case
 * opened for one of them stands at that record's survivor now. Returns the
 * cases that moved.
 */
export async function repointCasesOf(em: EntityManager, kind: CustomerKind, recordIds: readonly string[]): Promise<string[]> {
  const link = CASE_LINKS[kind];
  const moved = returnedRows<{ id: string }>(
    await em.query(
      // Deleted cases waiting out their restore window follow too: a restore brings them back at the survivor.
      `UPDATE cases_all c SET ${link.column} = coalesce(r.merged_into, r.id)
       FROM ${link.records} r
      WHERE r.id = c.${link.named} AND c.${link.named} = ANY($1::uuid[])
        AND c.${link.column} IS DISTINCT FROM coalesce(r.merged_into, r.id)
      RETURNING c.id`,
      [recordIds],
    ),
  );
  return moved.map((c) => c.id);
}

/** An escalation rule added an internal note to the case (authored by the system, never shown to the customer). */
export async function storeSystemNote(
  em: EntityManager,
  note: { id: string; tenantId: string; caseId: string; body: string; at: Date },
): Promise<void> {
  await em.query(
    `INSERT INTO case_comments (id, tenant_id, case_id, visibility, body, author_kind, author_id, created_at)
     VALUES ($1, $2, $3, 'INTERNAL', $4, 'system', NULL, $5)`,
    [note.id, note.tenantId, note.caseId, note.body, note.at],
  );
}
