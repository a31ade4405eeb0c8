import { createHash } from 'node:crypto';

/** The previous hash of a tenant's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an entry's hash covers: everything it says, in a fixed form. */
export interface ChainedContent {
  seq: number;
  id: string;
  occurredAt: string;
  service: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  changes: unknown;
  details: unknown;
  requestId: string | null;
}

/** JSON with object keys sorted at every depth: jsonb does not keep the order it was given. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** sha256(previous hash ‖ entry): changing, removing or reordering any entry changes every hash after it. */
export function chainHash(prevHash: string, content: ChainedContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

export interface ChainedRow extends ChainedContent {
  prevHash: string;
  hash: string;
}

export interface ChainBreak {
  seq: number;
  id: string;
  reason: string;
}

/**
 * Checks consecutive rows of one tenant, starting after `expected` (the
 * anchor, or the last row of the previous batch). Returns the first break,
 * or the new position to continue from.
 */
export function verifyRows(
  rows: readonly ChainedRow[],
  expected: { seq: number; hash: string },
): { broken: ChainBreak } | { broken: null; last: { seq: number; hash: string } } {
  let at = expected;
  for (const row of rows) {
    if (row.seq !== at.seq + 1)
      return { broken: { seq: row.seq, id: row.id, reason: `expected entry ${at.seq + 1}; entries are missing` } };
    if (row.prevHash !== at.hash) return { broken: { seq: row.seq, id: row.id, reason: 'does not follow the previous entry' } };
    const { prevHash: _prev, hash: _hash, ...content } = row;
    if (chainHash(row.prevHash, content) !== row.hash)
      return { broken: { seq: row.seq, id: row.id, reason: 'content does not match its hash' } };
    at = { seq: row.seq, hash: row.hash };
  }
  return { broken: null, last: at };
}
