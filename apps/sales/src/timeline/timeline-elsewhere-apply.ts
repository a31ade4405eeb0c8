import type { EventEnvelope } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { elsewhereChange, type ElsewhereChange } from './timeline-elsewhere';
import { TimelineRecorder, type TimelineKind, type TimelineRecord } from './timeline-recorder';

type RecordChange = Extract<ElsewhereChange, { op: 'record' }>;

/**
 * Applies a tenant's batch of other services' events to the timeline, in
 * stream order. Consecutive entries are written together (one lookup of
 * accounts, one of existing `once` entries, one INSERT) — an order stream
 * brings hundreds per batch; an owner change or a deletion between them
 * applies in its place, after the entries before it.
 */
export async function applyElsewhereEvents(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<void> {
  let run: RecordChange[] = [];
  for (const event of events) {
    const change = elsewhereChange(event);
    if (!change) continue;
    if (change.op === 'record') {
      run.push(change);
      continue;
    }
    await recordRun(em, tenantId, run);
    run = [];
    if (change.op === 'owner') await TimelineRecorder.setRefOwner(em, change.refId, change.ownerId);
    else await TimelineRecorder.followDeletion(em, change.op, change.refId);
  }
  await recordRun(em, tenantId, run);
}

/**
 * Records a run of entries as if one by one: a `once` entry is skipped when
 * its ref already has an entry of its kind, in the table or earlier in the
 * run; an account-wide entry without an account goes on the contact's.
 */
async function recordRun(em: EntityManager, tenantId: string, run: readonly RecordChange[]): Promise<void> {
  if (run.length === 0) return;
  const existing = await existingOnceEntries(em, run);
  const accounts = await accountsOf(
    em,
    run.filter((c) => c.onAccount && !c.accountId && c.contactId).map((c) => c.contactId as string),
  );
  const pending: { key: string; entry: TimelineRecord }[] = [];
  const inRun = new Set<string>();
  for (const change of run) {
    const key = entryKey(change.refId, change.kind);
    if (change.once && (existing.has(key) || inRun.has(key))) continue;
    const accountId = change.accountId ?? (change.onAccount && change.contactId ? (accounts.get(change.contactId) ?? null) : null);
    const entry: TimelineRecord = {
      tenantId,
      subjects: [
        { type: 'CONTACT', id: change.contactId },
        { type: 'ACCOUNT', id: change.onAccount ? accountId : null },
      ],
      kind: change.kind,
      occurredAt: change.occurredAt,
      summary: change.summary,
      refId: change.refId,
      refOwnerId: change.refOwnerId,
    };
    // Only an entry that shows somewhere makes a later `once` entry of its ref redundant.
    if (entry.subjects.some((s) => s.id)) inRun.add(key);
    pending.push({ key, entry });
  }
  await TimelineRecorder.recordAll(
    em,
    pending.map((p) => p.entry),
  );
}

/** `once` entries' refs that already have an entry of their kind, as entryKey strings. */
async function existingOnceEntries(em: EntityManager, run: readonly RecordChange[]): Promise<Set<string>> {
  const refsByKind = new Map<TimelineKind, string[]>();
  for (const c of run) {
    if (!c.once) continue;
    const refs = refsByKind.get(c.kind) ?? [];
    refs.push(c.refId);
    refsByKind.set(c.kind, refs);
  }
  const found = new Set<string>();
  for (const [kind, refIds] of refsByKind)
    for (const refId of await TimelineRecorder.refsWithEntry(em, [...new Set(refIds)], kind)) found.add(entryKey(refId, kind));
  return found;
}

/** Each contact's account (null when it has none or is not there). */
async function accountsOf(em: EntityManager, contactIds: readonly string[]): Promise<Map<string, string | null>> {
  if (contactIds.length === 0) return new Map();
  const rows: { id: string; account_id: string | null }[] = await em.query(
    `SELECT id, account_id FROM contacts WHERE id = ANY($1::uuid[])`,
    [[...new Set(contactIds)]],
  );
  return new Map(rows.map((r) => [r.id, r.account_id]));
}

function entryKey(refId: string, kind: TimelineKind): string {
  return `${kind}:${refId}`;
}
