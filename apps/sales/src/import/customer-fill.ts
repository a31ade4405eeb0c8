import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { ACCOUNT_UPDATED, CONTACT_UPDATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';
import { accountSnapshot } from '../accounts/accounts.service';
import { ContactEntity } from '../contacts/contact.entity';
import { MAX_TAGS } from '../contacts/contact-input';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { addExternalIds } from '../external-ids/external-ids';
import { invalid, skip, type ImportRowResult } from './import-report';
import type { CustomerKind, PendingRow } from './customer-rows';

/** Collects what a fill changed: lists are unioned, empty fields filled, nothing overwritten. */
class Filler {
  readonly changed: string[] = [];

  union<T>(field: string, a: T[], b: T[], max: number): T[] {
    const keys = new Set(a.map(canonical));
    const extra = b.filter((x) => !keys.has(canonical(x)));
    if (extra.length === 0) return a;
    if (a.length + extra.length > max) throw badUserInput(field, `merging would exceed ${max} entries`);
    this.changed.push(field);
    return [...a, ...extra];
  }

  fill<T>(field: string, current: T | null, value: T | null): T | null {
    if (current != null || value == null) return current;
    this.changed.push(field);
    return value;
  }
}

/**
 * MERGE_INTO_EXISTING: fills the matched record from the row — lists
 * unioned, empty fields filled — never overwriting a value; under its own
 * savepoint, so a row that cannot be applied becomes INVALID alone.
 */
export async function fillExisting(
  db: ServiceDatabase,
  em: EntityManager,
  principal: Principal,
  kind: CustomerKind,
  p: PendingRow,
  targetId: string,
  r: ImportRowResult,
): Promise<void> {
  await em.query('SAVEPOINT import_row');
  try {
    const filler = new Filler();
    if (kind === 'CONTACT') await fillContact(db, em, principal, filler, p.entity as ContactEntity, targetId);
    else await fillAccount(db, em, principal, filler, p.entity as AccountEntity, targetId);
    await em.query('RELEASE SAVEPOINT import_row');
    const changed = filler.changed;
    if (changed.length)
      Object.assign(r, {
        status: 'UPDATED',
        id: targetId,
        code: r.duplicates.length || r.accountDuplicates.length ? 'MERGED_INTO_DUPLICATE' : null,
        reason: `filled ${changed.join(', ')}`,
      });
    else Object.assign(skip(r, 'UNCHANGED', `${targetId} already has these values`), { id: targetId });
  } catch (err) {
    await em.query('ROLLBACK TO SAVEPOINT import_row');
    invalid(r, err);
  }
}

async function fillContact(
  db: ServiceDatabase,
  em: EntityManager,
  principal: Principal,
  filler: Filler,
  row: ContactEntity,
  targetId: string,
): Promise<void> {
  const { changed } = filler;
  const repo = em.getRepository(ContactEntity);
  const target = await repo.findOne({ where: { id: targetId }, lock: { mode: 'pessimistic_write' } });
  if (!target) throw badUserInput('id', `record ${targetId} vanished during the import`);
  target.emails = filler.union('emails', target.emails, row.emails, 10);
  target.phones = filler.union('phones', target.phones, row.phones, 10);
  target.tags = filler.union('tags', target.tags, row.tags, MAX_TAGS);
  target.addresses = filler.union('addresses', target.addresses, row.addresses, 10);
  target.firstName = filler.fill('firstName', target.firstName, row.firstName);
  target.accountId = filler.fill('accountId', target.accountId, row.accountId);
  target.source = filler.fill('source', target.source, row.source);
  const xs = await addExternalIds(em, 'CONTACT', principal.tenantId, targetId, row.externalIds ?? []);
  if (xs.added) changed.push('externalIds');
  if (changed.length === 0) return;
  target.updatedAt = new Date();
  await repo.update({ id: targetId }, target);
  target.externalIds = xs.externalIds;
  await db.publish(
    em,
    newEvent({
      type: CONTACT_UPDATED,
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      subjectId: targetId,
      data: { contact: contactSnapshot(target), changed },
    }),
  );
}

async function fillAccount(
  db: ServiceDatabase,
  em: EntityManager,
  principal: Principal,
  filler: Filler,
  row: AccountEntity,
  targetId: string,
): Promise<void> {
  const repo = em.getRepository(AccountEntity);
  const target = await repo.findOne({ where: { id: targetId }, lock: { mode: 'pessimistic_write' } });
  if (!target) throw badUserInput('id', `record ${targetId} vanished during the import`);
  target.tags = filler.union('tags', target.tags, row.tags, MAX_TAGS);
  target.addresses = filler.union('addresses', target.addresses, row.addresses, 10);
  target.domain = filler.fill('domain', target.domain, row.domain);
  target.industry = filler.fill('industry', target.industry, row.industry);
  target.source = filler.fill('source', target.source, row.source);
  const xs = await addExternalIds(em, 'ACCOUNT', principal.tenantId, targetId, row.externalIds ?? []);
  if (xs.added) filler.changed.push('externalIds');
  if (filler.changed.length === 0) return;
  target.updatedAt = new Date();
  await repo.update({ id: targetId }, target);
  target.externalIds = xs.externalIds;
  await db.publish(
    em,
    newEvent({
      type: ACCOUNT_UPDATED,
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      subjectId: targetId,
      data: { account: accountSnapshot(target), changed: filler.changed },
    }),
  );
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonical(x: unknown): string {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? JSON.stringify(x, Object.keys(x).sort()) : JSON.stringify(x);
}
