import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { ACCOUNT_CREATED, CONTACT_CREATED, type EventEnvelope } from '@rapport/contracts';
import { appendPackedToOutbox, newEvent } from '@rapport/messaging';
import type { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity';
import { insertAccounts } from '../accounts/account-rows';
import { accountSnapshot } from '../accounts/accounts.service';
import type { ContactEntity } from '../contacts/contact.entity';
import { insertContacts } from '../contacts/contact-rows';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { insertExternalIds, isExternalIdClash } from '../external-ids/external-ids';
import { invalid, type ImportRowResult } from './import-report';
import type { CustomerKind, PendingRow } from './customer-rows';

/**
 * Creates the batch's new records: one multi-row INSERT per table and one
 * packed outbox row per thousand events; if that fails (e.g. a concurrent clash), row by row, each
 * under its own savepoint, so only the offending rows become INVALID.
 */
export async function insertAll(
  db: ServiceDatabase,
  em: EntityManager,
  principal: Principal,
  kind: CustomerKind,
  list: PendingRow[],
  results: ImportRowResult[],
): Promise<void> {
  if (list.length === 0) return;
  const failed = new Set<number>();
  await em.query('SAVEPOINT import_batch');
  try {
    await insertSet(db, em, principal, kind, list);
    await em.query('RELEASE SAVEPOINT import_batch');
  } catch {
    await em.query('ROLLBACK TO SAVEPOINT import_batch');
    for (const p of list) {
      await em.query('SAVEPOINT import_row');
      try {
        await insertSet(db, em, principal, kind, [p]);
        await em.query('RELEASE SAVEPOINT import_row');
      } catch (err) {
        await em.query('ROLLBACK TO SAVEPOINT import_row');
        const taken = isExternalIdClash(kind, err);
        invalid(results[p.n], taken ? badUserInput('externalId', `already used by another ${kind.toLowerCase()}`) : err);
        failed.add(p.n);
      }
    }
  }
  for (const p of list) if (!failed.has(p.n)) Object.assign(results[p.n], { status: 'CREATED', id: p.entity.id });
}

async function insertSet(db: ServiceDatabase, em: EntityManager, principal: Principal, kind: CustomerKind, list: PendingRow[]) {
  const actor = actorOf(principal);
  if (kind === 'CONTACT') {
    const contacts = list.map((p) => p.entity as ContactEntity);
    await insertContacts(em, contacts);
    await insertExternalIds(em, 'CONTACT', contacts);
    await publishAll(
      db,
      em,
      contacts.map((c) =>
        newEvent({ type: CONTACT_CREATED, tenantId: principal.tenantId, actor, subjectId: c.id, data: { contact: contactSnapshot(c) } }),
      ),
    );
  } else {
    const accounts = list.map((p) => p.entity as AccountEntity);
    await insertAccounts(em, accounts);
    await insertExternalIds(em, 'ACCOUNT', accounts);
    await publishAll(
      db,
      em,
      accounts.map((a) =>
        newEvent({ type: ACCOUNT_CREATED, tenantId: principal.tenantId, actor, subjectId: a.id, data: { account: accountSnapshot(a) } }),
      ),
    );
  }
}

/**
 * Writes the batch's events to the outbox packed (one row per thousand
 * events, appendPackedToOutbox): an import is a bulk publisher, and the relay
 * still publishes each event as its own message. The relay is woken at commit.
 */
async function publishAll(db: ServiceDatabase, em: EntityManager, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  await appendPackedToOutbox(em, events);
  db.wroteToOutbox(em);
}
