import { badUserInput, conflict, forbidden, inScope, notFound, requireRole, type Principal, type RecordScope } from '@rapport/auth';
import { validate } from '@rapport/service-kit';
import { MAX_TAGS } from '../contacts/contact-input';
import type { MergeKind } from './merge-links';

/**
 * The rules of merging and unmerging, without I/O: which inputs are valid,
 * what the survivor becomes, who may merge which records, what changed, and
 * what stands in the way of an unmerge. MergeService does the SQL.
 */

export interface FieldChoice {
  field: string;
  fromId: string;
}

export interface MergeInput {
  survivorId: string;
  mergedIds: string[];
  fieldChoices?: FieldChoice[] | null;
}

export type Row = Record<string, unknown>;

/** A re-pointed link: the row (by its key) and the merged record it pointed at before. */
export interface LinkImage {
  table: string;
  column: string;
  key: Row;
  where?: string;
  /** The merged record the row pointed at before. */
  from: string;
}

/** What a merge journals to be undone: full rows (to_jsonb) of the survivor and the merged records, and the re-pointed links. */
export interface MergeImages {
  records: Row[];
  links: LinkImage[];
}

export interface MergeRecord {
  id: string;
  kind: MergeKind;
  survivorId: string;
  mergedIds: string[];
  mergedBy: string | null;
  mergedAt: Date;
  unmergedBy: string | null;
  unmergedAt: Date | null;
  /** Rows whose links were re-pointed to the survivor. */
  relinkedCount: number;
}

const MAX_MERGED = 10;

/** Per kind: the table, fields the caller may take from a merged record, and lists that are unioned (with their maximum length). */
export const MERGE_KINDS = {
  CONTACT: {
    table: 'contacts',
    label: 'Contact',
    choosable: { firstName: 'first_name', lastName: 'last_name', accountId: 'account_id', ownerId: 'owner_id', source: 'source' },
    unions: { emails: 10, phones: 10, tags: MAX_TAGS, addresses: 10 },
  },
  ACCOUNT: {
    table: 'accounts',
    label: 'Account',
    choosable: { name: 'name', domain: 'domain', industry: 'industry', ownerId: 'owner_id', source: 'source' },
    unions: { tags: MAX_TAGS, addresses: 10 },
  },
} as const;

/** The columns whose change a contact or account update event names, by their event field names. */
const EVENT_FIELDS: Record<MergeKind, Record<string, string>> = {
  CONTACT: {
    first_name: 'firstName',
    last_name: 'lastName',
    emails: 'emails',
    phones: 'phones',
    account_id: 'accountId',
    owner_id: 'ownerId',
    addresses: 'addresses',
    source: 'source',
    tags: 'tags',
  },
  ACCOUNT: {
    name: 'name',
    domain: 'domain',
    industry: 'industry',
    owner_id: 'ownerId',
    addresses: 'addresses',
    source: 'source',
    tags: 'tags',
  },
};

export interface ColumnChoice {
  column: string;
  field: string;
  fromId: string;
}

/** A checked merge request: the survivor, the records merged into it, and the fields taken from named records. */
export interface MergeRequest {
  survivorId: string;
  mergedIds: string[];
  choices: ColumnChoice[];
}

/** Merging rewrites other people's records: sales managers and admins only. */
export function requireMergeRole(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('merging is done by sales managers and admins');
  requireRole(principal, 'sales_manager');
}

/** Checks a merge input in full; every problem names its field. */
export function parseMergeInput(kind: MergeKind, input: MergeInput): MergeRequest {
  const spec = MERGE_KINDS[kind];
  const survivorId = validate.requireUuid('survivorId', input.survivorId);
  const mergedIds = validate.listOf('mergedIds', input.mergedIds, MAX_MERGED).map((id, i) => validate.requireUuid(`mergedIds[${i}]`, id));
  if (mergedIds.length === 0) throw badUserInput('mergedIds', 'name at least one record to merge');
  if (new Set(mergedIds).size !== mergedIds.length) throw badUserInput('mergedIds', 'a record appears twice');
  if (mergedIds.includes(survivorId)) throw badUserInput('mergedIds', 'the survivor cannot be merged into itself');
  const choices = validate.listOf('fieldChoices', input.fieldChoices, 20).map((c, i) => {
    if (!(c.field in spec.choosable)) {
      throw badUserInput(`fieldChoices[${i}].field`, `choose one of ${Object.keys(spec.choosable).join(', ')} (lists are unioned)`);
    }
    const fromId = validate.requireUuid(`fieldChoices[${i}].fromId`, c.fromId);
    if (fromId !== survivorId && !mergedIds.includes(fromId))
      throw badUserInput(`fieldChoices[${i}].fromId`, 'not one of the merged records');
    return { column: spec.choosable[c.field as keyof typeof spec.choosable] as string, field: c.field, fromId };
  });
  return { survivorId, mergedIds, choices };
}

/**
 * Merging changes every record involved: one the caller may not see is not
 * found, one they may not change FORBIDDEN; a record merged already is a
 * CONFLICT.
 */
export function requireMergeable(scopes: { read: RecordScope; write: RecordScope }, label: string, row: Row): void {
  requireChange(scopes, label, row);
  if (row.merged_into)
    throw conflict(`${label.toLowerCase()} ${String(row.id)} is already merged into ${String(row.merged_into)}`, 'mergedIds');
}

/** One the caller may not see is not found, one they may not change FORBIDDEN. */
export function requireChange(scopes: { read: RecordScope; write: RecordScope }, label: string, row: Row): void {
  const ownerId = (row.owner_id as string | null) ?? null;
  if (!inScope(scopes.read, ownerId)) throw notFound(label, row.id as string);
  if (!inScope(scopes.write, ownerId)) {
    throw forbidden(
      `only the owner, the owner's managers and admins may change ${label.toLowerCase()} ${String(row.id)} (tenant sharing rule)`,
    );
  }
}

/**
 * The survivor's new column values: each chosen field from its named record,
 * and every list unioned over the records in survivor-first order (a union
 * longer than its maximum is refused). An account keeps its survivor's
 * owner unless another is chosen. `records` are full rows, survivor first.
 */
export function survivorValues(kind: MergeKind, records: Row[], choices: ColumnChoice[]): Row {
  const byId = new Map(records.map((r) => [r.id as string, r]));
  const set: Row = {};
  for (const c of choices) set[c.column] = byId.get(c.fromId)?.[c.column];
  for (const [field, max] of Object.entries(MERGE_KINDS[kind].unions)) {
    const seen = new Set<string>();
    const union: unknown[] = [];
    for (const r of records) {
      for (const v of (r[field] as unknown[]) ?? []) {
        const k = JSON.stringify(v);
        if (seen.has(k)) continue;
        seen.add(k);
        union.push(v);
      }
    }
    if (union.length > max) throw badUserInput(field, `the merged ${field} would exceed ${max} entries; remove some first`);
    set[field] = union;
  }
  if (kind === 'ACCOUNT' && set.owner_id === undefined) set.owner_id = records[0].owner_id;
  return set;
}

/**
 * Why an unmerge cannot go ahead for a record it restores whole (a merged
 * one, read-only since the merge): it no longer matches its after-image
 * (merged again) or no longer exists. `updated_at` is left out: moving a
 * contact's account bumps it without changing what the record holds.
 * `current` is in the order of `afterRecords`. Empty when it may go ahead.
 */
export function changedSinceMerge(label: string, afterRecords: Row[], current: (Row | undefined)[]): string[] {
  const problems: string[] = [];
  afterRecords.forEach((a, i) => {
    const c = current[i];
    if (!c) problems.push(`${label.toLowerCase()} ${String(a.id)} no longer exists`);
    else {
      const cols = Object.keys(a).filter((k) => k !== 'updated_at' && !same(a[k], c[k]));
      if (cols.length > 0) problems.push(`${label.toLowerCase()} ${String(a.id)} changed since the merge (${cols.join(', ')})`);
    }
  });
  return problems;
}

/** For a field the merge and a later edit both changed: keep the survivor's value now, or the one from before the merge. */
export type UnmergeKeep = 'CURRENT' | 'BEFORE_MERGE';

export interface UnmergeChoice {
  field: string;
  keep: UnmergeKeep;
}

/** A field of the survivor both the merge and a later edit changed: what it holds now, held before the merge, and got from the merge. */
export interface FieldConflict {
  field: string;
  current: unknown;
  beforeMerge: unknown;
  merged: unknown;
}

/** Columns an unmerge never takes back from the journal: identity, and the time of the change (set to now). */
const OWN_COLUMNS = new Set(['id', 'tenant_id', 'created_at', 'updated_at']);

/** Checks the caller's choices; returns the keep per column. */
export function parseUnmergeChoices(kind: MergeKind, choices: UnmergeChoice[] | null | undefined): Map<string, UnmergeKeep> {
  const columnOf = new Map(Object.entries(EVENT_FIELDS[kind]).map(([col, field]) => [field, col]));
  const out = new Map<string, UnmergeKeep>();
  validate.listOf('fieldChoices', choices, 20).forEach((c, i) => {
    const column = columnOf.get(c.field);
    if (!column) throw badUserInput(`fieldChoices[${i}].field`, `choose one of ${[...columnOf.keys()].join(', ')}`);
    if (c.keep !== 'CURRENT' && c.keep !== 'BEFORE_MERGE') throw badUserInput(`fieldChoices[${i}].keep`, 'CURRENT or BEFORE_MERGE');
    out.set(column, c.keep);
  });
  return out;
}

/**
 * What the survivor becomes when a merge is undone, field by field, from its
 * images before the merge, right after it, and now:
 * - unchanged since the merge: back to its value from before the merge;
 * - not changed by the merge, or changed back since: the survivor's value now;
 * - a list the merge unioned: the survivor's list now without the entries
 *   the merge brought in (they go back with the merged records), so entries
 *   added or removed since stay so;
 * - any other field changed by the merge and again since: a conflict, unless
 *   the caller chose CURRENT or BEFORE_MERGE for it.
 * Returns the columns to set, and the conflicts left open.
 */
export function survivorAfterUnmerge(
  kind: MergeKind,
  images: { before: Row; after: Row; current: Row },
  choices: Map<string, UnmergeKeep>,
): { set: Row; conflicts: FieldConflict[] } {
  const { before, after, current } = images;
  const unions = new Set(Object.keys(MERGE_KINDS[kind].unions));
  const set: Row = {};
  const conflicts: FieldConflict[] = [];
  for (const col of Object.keys(before)) {
    if (OWN_COLUMNS.has(col)) continue;
    const [b, a, c] = [before[col], after[col], current[col]];
    if (same(c, a)) {
      if (!same(a, b)) set[col] = b;
    } else if (same(a, b) || same(c, b)) {
      continue;
    } else if (unions.has(col)) {
      const moved = new Set(((a as unknown[]) ?? []).map(canonical));
      for (const x of (b as unknown[]) ?? []) moved.delete(canonical(x));
      set[col] = ((c as unknown[]) ?? []).filter((x) => !moved.has(canonical(x)));
    } else {
      const keep = choices.get(col);
      if (keep === 'BEFORE_MERGE') set[col] = b;
      else if (keep !== 'CURRENT') conflicts.push({ field: EVENT_FIELDS[kind][col] ?? col, current: c, beforeMerge: b, merged: a });
    }
  }
  return { set, conflicts };
}

function same(x: unknown, y: unknown): boolean {
  return canonical(x) === canonical(y);
}

/** JSON with object keys sorted, so two images of one value compare equal however they were built. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : v,
  );
}

/** The event field names of the columns that differ between two images of a record (none when either is missing). */
export function changedFields(kind: MergeKind, before: Row | undefined, after: Row | undefined): string[] {
  if (!before || !after) return [];
  return Object.entries(EVENT_FIELDS[kind])
    .filter(([col]) => JSON.stringify(before[col]) !== JSON.stringify(after[col]))
    .map(([, f]) => f);
}

/** A contact_merges row as the API shows it. */
export function mergeRecordOf(m: Row): MergeRecord {
  return {
    id: m.id as string,
    kind: m.kind as MergeKind,
    survivorId: m.survivor_id as string,
    mergedIds: m.merged_ids as string[],
    mergedBy: (m.merged_by as string | null) ?? null,
    mergedAt: new Date(m.merged_at as string),
    unmergedBy: (m.unmerged_by as string | null) ?? null,
    unmergedAt: m.unmerged_at ? new Date(m.unmerged_at as string) : null,
    relinkedCount: ((m.before_images as MergeImages).links ?? []).length,
  };
}

/** The contacts whose account a merge re-pointed (or an unmerge restored): those rows of `contacts.account_id`. */
export function movedContactIds(links: readonly LinkImage[]): string[] {
  // Merges made before deletion existed stored the live table's name.
  const contactTables = ['contacts', 'contacts_all'];
  return [...new Set(links.filter((l) => contactTables.includes(l.table) && l.column === 'account_id').map((l) => String(l.key.id)))];
}
