import type { EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity';
import type { ContactEntity } from '../contacts/contact.entity';
import { liveIdsByExternalKeys } from '../external-ids/external-ids';
import type { ImportRowResult } from './import-report';
import type { PendingRow } from './customer-rows';

/**
 * How import rows find the records they already are (so a re-run creates
 * nothing). Each is one query for the whole batch; results are by row index.
 */

/** accountName → the live account of that name (case-insensitive); unknown names make the row INVALID. */
export async function resolveAccounts(em: EntityManager, pending: PendingRow[], results: ImportRowResult[]): Promise<void> {
  const names = [...new Set(pending.map((p) => p.accountName).filter((n): n is string => !!n))];
  const ids = [...new Set(pending.map((p) => (p.entity as ContactEntity).accountId).filter((id): id is string => !!id))];
  const byName = new Map<string, string>();
  const known = new Set<string>();
  if (names.length) {
    const rows: { id: string; n: string }[] = await em.query(
      `SELECT DISTINCT ON (lower(name)) id, lower(name) AS n FROM accounts WHERE merged_into IS NULL AND lower(name) = ANY($1::text[]) ORDER BY lower(name), created_at, id`,
      [names],
    );
    rows.forEach((r) => byName.set(r.n, r.id));
  }
  if (ids.length)
    (await em.query(`SELECT id FROM accounts WHERE id = ANY($1::uuid[])`, [ids])).forEach((r: { id: string }) => known.add(r.id));
  for (const p of pending) {
    const c = p.entity as ContactEntity;
    const r = results[p.n];
    if (p.accountName) {
      const id = byName.get(p.accountName);
      if (!id)
        Object.assign(r, {
          status: 'INVALID',
          code: 'NO_ACCOUNT',
          field: 'accountName',
          reason: `no account named ${JSON.stringify(p.row.values.accountName)}`,
        });
      else c.accountId = id;
    } else if (c.accountId && !known.has(c.accountId)) {
      Object.assign(r, { status: 'INVALID', code: 'NO_ACCOUNT', field: 'accountId', reason: `no account ${c.accountId}` });
    }
  }
}

/** Rows with an external key → the live record holding it (a merged holder resolves to its survivor). */
async function matchExternalIds(
  em: EntityManager,
  kind: 'CONTACT' | 'ACCOUNT',
  pending: PendingRow[],
  source: string | null,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const withKey = pending.filter((p) => p.externalKey);
  if (!source || withKey.length === 0) return out;
  const byKey = await liveIdsByExternalKeys(
    em,
    kind,
    source,
    withKey.map((p) => p.externalKey as string),
  );
  for (const p of withKey) {
    const id = byKey.get(p.externalKey as string);
    if (id) out.set(p.n, id);
  }
  return out;
}

/** Existing contacts for rows: by external id when mapped, else by email. Merged contacts resolve to their survivor. */
export async function matchContacts(em: EntityManager, pending: PendingRow[], source: string | null): Promise<Map<number, string>> {
  const out = await matchExternalIds(em, 'CONTACT', pending, source);
  const byEmail = pending.filter((p) => !p.externalKey && (p.entity as ContactEntity).emails.length > 0);
  if (byEmail.length) {
    const emails = byEmail.flatMap((p) => (p.entity as ContactEntity).emails);
    const rows: { id: string; emails: string[] }[] = await em.query(
      `SELECT e.id, e.emails FROM sales_contacts_by_emails($1::text[]) e JOIN contacts c ON c.id = e.id ORDER BY c.created_at, c.id`,
      [emails],
    );
    const idByEmail = new Map<string, string>();
    rows.forEach((r) => r.emails.forEach((e) => idByEmail.has(e) || idByEmail.set(e, r.id)));
    byEmail.forEach((p) => {
      const hit = (p.entity as ContactEntity).emails.map((e) => idByEmail.get(e)).find(Boolean);
      if (hit) out.set(p.n, hit);
    });
  }
  return out;
}

/** Existing accounts for rows: by external id when mapped, else a live account with the same name (case-insensitive) or domain. */
export async function matchAccounts(em: EntityManager, pending: PendingRow[], source: string | null): Promise<Map<number, string>> {
  const out = await matchExternalIds(em, 'ACCOUNT', pending, source);
  const byName = pending.filter((p) => !p.externalKey);
  if (byName.length === 0) return out;
  const accounts = byName.map((p) => p.entity as AccountEntity);
  const rows: { id: string; n: string; domain: string | null }[] = await em.query(
    `SELECT id, lower(name) AS n, domain FROM accounts WHERE merged_into IS NULL AND (lower(name) = ANY($1::text[]) OR domain = ANY($2::text[]))
       ORDER BY created_at, id`,
    [accounts.map((a) => a.name.toLowerCase()), accounts.map((a) => a.domain).filter(Boolean)],
  );
  byName.forEach((p) => {
    const a = p.entity as AccountEntity;
    const hit = rows.find((r) => r.n === a.name.toLowerCase() || (a.domain && r.domain === a.domain));
    if (hit) out.set(p.n, hit.id);
  });
  return out;
}
