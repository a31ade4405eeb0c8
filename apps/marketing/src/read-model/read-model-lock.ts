import type { EntityManager } from 'typeorm';

/** Advisory lock class id of marketing's read model (two-int keys: a space apart from single-bigint locks and analytics' 73xx). */
const READ_MODEL = 7401;

/**
 * One tenant's read-model writers take turns (ADR 069). A consumer batch
 * writes its contacts run after run (snapshots, scores, cases, orders,
 * merges, recounts of survivors), so two batches of one tenant — two
 * replicas on one durable, or two durables of one process — took their row
 * locks in different orders and deadlocked (ADR 062). Sorting inside a
 * statement cannot help across statements, and which survivors a batch
 * recounts is known only while it runs; so batches and replays take this
 * tenant's lock exclusive at the start of their transaction. Writers
 * outside them take it shared, before their first row: a send's "last
 * touched" (many contacts, locked in id order) and a journey step (its
 * enrolment, then maybe its contact's recount), so they do not wait for
 * each other, only for a batch. Other tenants are not held up.
 */
export async function lockReadModel(em: EntityManager, tenantId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const sql =
    mode === 'shared'
      ? 'SELECT pg_advisory_xact_lock_shared($1, hashtext($2::text))'
      : 'SELECT pg_advisory_xact_lock($1, hashtext($2::text))';
  await em.query(sql, [READ_MODEL, tenantId]);
}
