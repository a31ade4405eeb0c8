import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { CONTACT_DELETED, CONTACT_PURGED, CONTACT_RESTORED, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { ServicePersonalData } from '../privacy/service-personal-data';
import { serviceDefinition } from '../service.definition';
import { SalesFeed } from '../__tests__/sales-feed';
import { CasePurge } from './case-purge';
import { CaseDeletionService } from './case-deletion.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deleting, restoring and purging cases, and sales' deletions in service's projection, against the real servers (ADR 037). */
describe('service: deleted cases and deleted customers', () => {
  let service: StartedService;
  let nc: NatsConnection;
  let feed: SalesFeed;
  const tenantId = randomUUID();
  const as = (roles: string[]): Principal => ({
    kind: 'user',
    tenantId,
    id: randomUUID(),
    roles: roles as Principal['roles'],
    scopes: [],
    contactId: null,
  });
  const agent = as(['support_agent']);
  const admin = as(['admin']);
  const analyst = as(['analyst']);
  const cases = () => service.app.get(CasesService);
  const deletion = () => service.app.get(CaseDeletionService);
  /** Owner connection (bypasses RLS): assertions only. */
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);
  const codeOf = async (work: Promise<unknown>) =>
    work.then(
      () => 'no error',
      (err: { extensions?: { code?: string; field?: string } }) => `${err.extensions?.code}:${err.extensions?.field ?? ''}`,
    );
  const outboxTypes = async (subjectId: string): Promise<string[]> =>
    (
      await query(
        `SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 AND type <> 'service.audit.recorded' ORDER BY created_at, id`,
        [subjectId],
      )
    ).map((r: { type: string }) => r.type);
  const contactDeleted = async (id: string) =>
    ((await query(`SELECT deleted_at IS NOT NULL AS deleted FROM customer_contacts WHERE id = $1`, [id]))[0] as { deleted: boolean })
      .deleted;
  /** Publishes a sales event and waits until service's projection shows its effect. */
  const feedUntil = async (event: EventEnvelope, done: () => Promise<boolean>) => {
    await feed.publish(event);
    const deadline = Date.now() + 15_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${event.type} did not reach the projection`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const salesDeletion = (type: string, id: string, data: Record<string, unknown>) =>
    newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { recordType: 'CONTACT', id, ...data } as never });

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, { DB_SCHEMA_SUFFIX: `del_${process.env.RAPPORT_TEST_RUN_ID}` });
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
  });

  afterAll(async () => {
    await nc?.close();
    await service?.close();
  });

  it('hides a deleted case, lists it for admins, and restores it within the window', async () => {
    const contactId = await feed.contact(tenantId);
    const opened = await cases().open(agent, { contactId, subject: 'Printer on fire' });
    const deleted = await deletion().deleteCase(agent, { id: opened.id });
    expect(deleted).toMatchObject({ id: opened.id, label: 'Printer on fire' });
    expect(new Date(deleted.restorableUntil).getTime() - new Date(deleted.deletedAt).getTime()).toBe(30 * DAY_MS);

    expect(await cases().get(agent, opened.id)).toBeNull();
    expect((await cases().list(agent, { filter: { contactId } })).totalCount).toBe(0);
    expect((await deletion().listDeleted(admin, {})).edges.map((e) => e.node.id)).toContain(opened.id);
    expect(await codeOf(deletion().listDeleted(agent, {}))).toBe('FORBIDDEN:');

    expect(await codeOf(deletion().deleteCase(agent, { id: opened.id }))).toBe('CONFLICT:input.id');
    expect(await codeOf(deletion().deleteCase(agent, { id: randomUUID() }))).toBe('NOT_FOUND:');
    expect(await codeOf(deletion().deleteCase(analyst, { id: opened.id }))).toBe('FORBIDDEN:');

    const restored = await deletion().restoreCase(agent, { id: opened.id });
    expect(restored).toMatchObject({ id: opened.id, subject: 'Printer on fire' });
    expect((await cases().get(agent, opened.id))?.id).toBe(opened.id);
    expect(await codeOf(deletion().restoreCase(agent, { id: opened.id }))).toBe('CONFLICT:input.id');
    expect(await codeOf(deletion().restoreCase(agent, { id: randomUUID() }))).toBe('NOT_FOUND:');
    expect(await outboxTypes(opened.id)).toEqual(expect.arrayContaining(['service.case.deleted', 'service.case.restored']));
  });

  it('refuses a restore once the window has passed, and purges the case with its comments for good', async () => {
    const contactId = await feed.contact(tenantId);
    const opened = await cases().open(agent, { contactId, subject: 'Gone for good' });
    await cases().comment(agent, { caseId: opened.id, body: 'On it', visibility: 'PUBLIC' });
    await deletion().deleteCase(agent, { id: opened.id });
    const purge = service.app.get(CasePurge);
    expect(await purge.sweep(new Date())).toBe(0);

    await query(`UPDATE deleted_cases SET restorable_until = now() - interval '1 second' WHERE case_id = $1`, [opened.id]);
    expect(await codeOf(deletion().restoreCase(agent, { id: opened.id }))).toBe('CONFLICT:input.id');

    expect(await purge.sweep(new Date(Date.now() + DAY_MS))).toBeGreaterThanOrEqual(1);
    expect(await query(`SELECT 1 FROM cases_all WHERE id = $1`, [opened.id])).toHaveLength(0);
    expect(await query(`SELECT 1 FROM case_comments WHERE case_id = $1`, [opened.id])).toHaveLength(0);
    expect(await query(`SELECT 1 FROM deleted_cases WHERE case_id = $1`, [opened.id])).toHaveLength(0);
    expect(await outboxTypes(opened.id)).toContain('service.case.purged');
    expect(
      await query(
        `SELECT 1 FROM outbox WHERE type = 'service.audit.recorded' AND envelope->'data'->>'action' = 'deletion.purged'
           AND envelope->'data'->>'objectId' = $1`,
        [opened.id],
      ),
    ).toHaveLength(1);
    expect(await codeOf(deletion().restoreCase(agent, { id: opened.id }))).toBe('NOT_FOUND:');
  });

  it('follows sales: a deleted contact keeps its cases, shows as deleted and takes no new ones; a restore undoes only its own deletion', async () => {
    const contactId = await feed.contact(tenantId);
    const opened = await cases().open(agent, { contactId, subject: 'Still here' });
    const deletionId = uuidv7();
    const deletedAt = new Date().toISOString();
    await feedUntil(
      salesDeletion(CONTACT_DELETED, contactId, { deletionId, deletedAt, restorableUntil: deletedAt, cascadeOf: null }),
      async () => (await contactDeleted(contactId)) === true,
    );
    expect((await cases().get(agent, opened.id))?.contactId).toBe(contactId);
    expect(await codeOf(cases().open(agent, { contactId, subject: 'New' }))).toBe('BAD_USER_INPUT:contactId');

    // A restore of another (older) deletion changes nothing.
    await feed.publish(salesDeletion(CONTACT_RESTORED, contactId, { deletionId: uuidv7(), restoredAt: deletedAt }));
    await feedUntil(
      salesDeletion(CONTACT_RESTORED, contactId, { deletionId, restoredAt: new Date().toISOString() }),
      async () => (await contactDeleted(contactId)) === false,
    );
    await cases().open(agent, { contactId, subject: 'Back again' });

    const second = uuidv7();
    await feed.publish(
      salesDeletion(CONTACT_DELETED, contactId, { deletionId: second, deletedAt, restorableUntil: deletedAt, cascadeOf: null }),
    );
    await feedUntil(
      salesDeletion(CONTACT_PURGED, contactId, { deletionId: second, purgedAt: new Date().toISOString() }),
      async () => (await query(`SELECT purged_at FROM customer_contacts WHERE id = $1`, [contactId]))[0].purged_at !== null,
    );
    // Purged is final: a late restore does not bring the customer back; the cases keep their history.
    await feed.publish(salesDeletion(CONTACT_RESTORED, contactId, { deletionId: second, restoredAt: new Date().toISOString() }));
    await feed.contact(tenantId); // a later event through the same consumer: the restore above was applied by now
    expect(await contactDeleted(contactId)).toBe(true);
    expect((await cases().list(agent, { filter: { contactId } })).totalCount).toBe(2);
  });

  it('exports and erases a deleted case like a live one', async () => {
    const contactId = await feed.contact(tenantId);
    const opened = await cases().open(agent, { contactId, subject: 'Personal subject' });
    await deletion().deleteCase(agent, { id: opened.id });
    const personal = new ServicePersonalData();
    const db = service.app.get(DataSource);
    const exported = await db.transaction((em) => personal.gather(em, tenantId, [contactId]));
    expect(exported.cases).toEqual([expect.objectContaining({ id: opened.id, subject: 'Personal subject' })]);
    expect(exported.deleted_cases).toEqual([expect.objectContaining({ case_id: opened.id, label: 'Personal subject' })]);
    await db.transaction((em) => personal.erase(em, tenantId, [contactId]));
    expect(await query(`SELECT subject FROM cases_all WHERE id = $1`, [opened.id])).toEqual([{ subject: '[erased]' }]);
    expect(await query(`SELECT label FROM deleted_cases WHERE case_id = $1`, [opened.id])).toEqual([{ label: '[erased]' }]);
  });
});
