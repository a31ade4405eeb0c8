import type { EntityManager } from 'typeorm';
import type { BatchContacts } from './batch-contacts';
import { survivorsOf } from './survivors';

/** Advisory lock class id of marketing's read model (two-int keys: a space apart from single-bigint locks and analytics' 73xx). */
const READ_MODEL = 7401;

/**
 * The tenant's read-model turn (ADR 069, ADR 077). Writers that change who
 * stands for whom (merges, unmerges) and replays take it exclusive; every
 * other writer takes it shared and then locks the contact rows it will
 * write, in id order, before its first write (`lockContacts`). Survivors
 * cannot move under a shared holder, so the rows it resolves before locking
 * are still the ones it writes. Other tenants are not held up.
 */
export async function lockReadModel(em: EntityManager, tenantId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const sql =
    mode === 'shared'
      ? 'SELECT pg_advisory_xact_lock_shared($1, hashtext($2::text))'
      : 'SELECT pg_advisory_xact_lock($1, hashtext($2::text))';
  await em.query(sql, [READ_MODEL, tenantId]);
}

/**
 * Takes the read model for a consumer batch: alone when its events need it
 * (`named.exclusive`), otherwise shared, with the rows of every contact the
 * batch will write locked in one statement, in id order — the contacts it
 * names, the contacts its cases and orders counted for until now, and the
 * survivors of all of them but the scored (whose own row is all a score
 * writes). A batch writes its contacts run after run, in
 * the runs' order; two batches that locked everything up front in one order
 * cannot wait on each other's rows, so batches of one tenant that name
 * different contacts run side by side and those that share contacts take
 * turns (ADR 077).
 *
 * Contacts a batch creates (`named.created`, `named.scored`) get their row here, a
 * placeholder as ensureContacts makes, so that a new contact named by two
 * batches at once is locked like any other: the second batch waits on the
 * first one's insert inside the same ordered statement.
 */
export async function lockBatchContacts(em: EntityManager, tenantId: string, named: BatchContacts): Promise<void> {
  if (named.exclusive) return lockReadModel(em, tenantId, 'exclusive');
  await lockReadModel(em, tenantId, 'shared');
  const before: { contact_id: string }[] =
    named.cases.length + named.orders.length === 0
      ? []
      : await em.query(
          `SELECT contact_id FROM contact_cases WHERE tenant_id = $1 AND case_id = ANY($2::uuid[])
     UNION SELECT contact_id FROM contact_orders WHERE tenant_id = $1 AND order_id = ANY($3::uuid[]) AND contact_id IS NOT NULL`,
          [tenantId, named.cases, named.orders],
        );
  const mentioned = [...named.created, ...named.existing, ...before.map((r) => r.contact_id)];
  const survivors = mentioned.length > 0 ? [...(await survivorsOf(em, tenantId, mentioned)).values()] : [];
  // What a batch writes of a contact it does not name itself is its survivor's row (recounts), never the row of one merged away.
  await lockContacts(em, tenantId, [...named.created, ...named.scored], [...named.existing, ...survivors]);
}

/**
 * Locks contact rows in id order in one statement: `created` ones are
 * inserted as placeholders where missing, `existing` ones are locked only if
 * marketing has them. `ON CONFLICT DO UPDATE … WHERE false` locks the row it
 * conflicts with without writing a new version of it, and waits for a
 * concurrent insert of the same id to commit.
 */
export async function lockContacts(
  em: EntityManager,
  tenantId: string,
  created: readonly string[],
  existing: readonly string[],
): Promise<void> {
  if (created.length === 0 && existing.length === 0) return;
  await em.query(
    `INSERT INTO contacts (tenant_id, id)
     SELECT $1, s.id FROM (SELECT unnest($2::uuid[]) AS id
                           UNION SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($3::uuid[])) s
      ORDER BY s.id
     ON CONFLICT (tenant_id, id) DO UPDATE SET projected_at = contacts.projected_at WHERE false`,
    [tenantId, [...new Set(created)], [...new Set(existing)]],
  );
}
