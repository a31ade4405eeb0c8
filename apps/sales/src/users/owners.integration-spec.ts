import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SYSTEM_ACTOR, USER_CREATED, USER_DEACTIVATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { applyUserEvent, ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AccountsService } from '../accounts/accounts.service';
import { ActivitiesService } from '../activities/activities.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { ImportService } from '../import/import.service';
import { LeadConversionService } from '../leads/lead-conversion.service';
import { LeadsService } from '../leads/leads.service';
import { MergeService } from '../merge/merge.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { salesDefinition } from '../sales.definition';
import { projectUsers } from './__tests__/project-users';

/** Owners against sales' projection of identity's users (ADR 007), on the real Postgres and NATS. */
describe('owners are active staff users of the tenant', () => {
  let sales: StartedService;
  let nc: NatsConnection;
  const tenantId = randomUUID();
  const manager = userPrincipal(tenantId, ['sales_manager']);
  const colleague = userPrincipal(tenantId, ['sales_rep']);
  const leaver = userPrincipal(tenantId, ['sales_rep']);
  const customer = { tenantId, id: randomUUID(), roles: ['customer'] };
  const elsewhere = userPrincipal(randomUUID(), ['sales_rep']);
  const get = <T>(type: new (...args: never[]) => T): T => sales.app.get(type);
  const refusedOn = (field: string, id: string) => ({
    extensions: { code: 'BAD_USER_INPUT', field },
    message: expect.stringContaining(id),
  });
  let accountId: string;

  beforeAll(async () => {
    // Short, so the refusal after a wait for an id that never arrives is quick.
    sales = await startService(SalesAppModule, salesDefinition, {
      DB_SCHEMA_SUFFIX: `own_${process.env.RAPPORT_TEST_RUN_ID}`,
      SALES_OWNER_WAIT_MS: '1500',
    });
    nc = await connect({ servers: process.env.NATS_URL });
    await projectUsers(sales.app, [manager, colleague, leaver, customer, elsewhere]);
    await projectUsers(sales.app, [leaver], 'deactivated');
    accountId = (await get(AccountsService).create(manager, { name: 'Owners Ltd' })).id;
  });

  afterAll(async () => {
    await nc?.close();
    await sales?.close();
  });

  it('follows identity.user.* on the IDENTITY stream, and a late older event never undoes a newer one', async () => {
    const id = uuidv7();
    const user = { id, email: 'new@owners.test', displayName: 'New', roles: ['sales_rep'], active: true };
    const created = newEvent({ type: USER_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { user } });
    const deactivated = newEvent({
      type: USER_DEACTIVATED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: id,
      data: { user: { ...user, active: false } },
    });
    const js = nc.jetstream();
    const subject = (type: string) => `${process.env.NATS_SUBJECT_PREFIX}.${type}`;
    await js.publish(subject(created.type), JSON.stringify(created), { msgID: created.id });
    const row = async () => (await get(DataSource).query(`SELECT active, roles FROM identity_users WHERE id = $1`, [id]))[0];
    for (let i = 0; i < 200 && !(await row()); i++) await sleep(50);
    expect(await row()).toEqual({ active: true, roles: ['sales_rep'] });

    await js.publish(subject(deactivated.type), JSON.stringify(deactivated), { msgID: deactivated.id });
    for (let i = 0; i < 200 && (await row()).active; i++) await sleep(50);
    expect((await row()).active).toBe(false);
    // Redelivered or reordered: the older created event is stale and changes nothing.
    expect(await get(ServiceDatabase).withTenant(tenantId, (em) => applyUserEvent(em, created))).toBe('stale');
    expect((await row()).active).toBe(false);
  });

  it('refuses unknown, deactivated, customer and other-tenant owners on every record kind, naming the field and id', async () => {
    const unknown = randomUUID();
    for (const [owner, why] of [
      [unknown, 'no active user'],
      [leaver.id, 'is deactivated'],
      [customer.id, 'is not staff'],
      [elsewhere.id, 'no active user'],
    ] as const) {
      const refusal = {
        extensions: { code: 'BAD_USER_INPUT', field: 'ownerId' },
        message: expect.stringMatching(new RegExp(`${owner}.*${why}|${why}.*${owner}`)),
      };
      await expect(get(AccountsService).create(manager, { name: 'X', ownerId: owner })).rejects.toMatchObject(refusal);
      await expect(get(ContactsService).create(manager, { lastName: 'X', ownerId: owner })).rejects.toMatchObject(refusal);
      await expect(get(LeadsService).create(manager, { lastName: 'X', ownerId: owner })).rejects.toMatchObject(refusal);
      await expect(
        get(OpportunitiesService).create(manager, {
          name: 'X',
          accountId,
          ownerId: owner,
          amount: { amount: '1', currency: 'EUR' },
          closeDate: '2026-12-31',
        }),
      ).rejects.toMatchObject(refusal);
      await expect(
        get(ActivitiesService).create(manager, { type: 'TASK', target: { type: 'ACCOUNT', id: accountId }, subject: 'X', ownerId: owner }),
      ).rejects.toMatchObject(refusal);
    }
    await expect(get(AccountsService).create(manager, { name: 'X', ownerId: unknown })).rejects.toMatchObject({
      message: `ownerId: no active user ${unknown} in this tenant`,
    });

    // Changing the owner checks it too; a known colleague is fine.
    const contact = await get(ContactsService).create(manager, { lastName: 'Owned', ownerId: colleague.id });
    expect(contact.ownerId).toBe(colleague.id);
    await expect(get(ContactsService).update(manager, { id: contact.id, ownerId: leaver.id })).rejects.toMatchObject(
      refusedOn('ownerId', leaver.id),
    );
    await expect(get(AccountsService).update(manager, { id: accountId, ownerId: unknown })).rejects.toMatchObject(
      refusedOn('ownerId', unknown),
    );
    const { lead } = await get(LeadsService).create(manager, { lastName: 'Lead' });
    await expect(get(LeadsService).update(manager, { id: lead.id, ownerId: customer.id })).rejects.toMatchObject(
      refusedOn('ownerId', customer.id),
    );
    const activity = await get(ActivitiesService).create(manager, {
      type: 'TASK',
      target: { type: 'ACCOUNT', id: accountId },
      subject: 'T',
    });
    await expect(get(ActivitiesService).update(manager, { id: activity.id, ownerId: unknown })).rejects.toMatchObject(
      refusedOn('ownerId', unknown),
    );
    expect((await get(ActivitiesService).update(manager, { id: activity.id, ownerId: colleague.id })).ownerId).toBe(colleague.id);
  });

  it('lets callers own what they create before sales has heard of them, but not once they are deactivated', async () => {
    const newcomer = userPrincipal(tenantId, ['sales_manager']);
    expect((await get(AccountsService).create(newcomer, { name: 'Newcomer Co' })).ownerId).toBe(newcomer.id);
    expect((await get(ContactsService).create(newcomer, { lastName: 'Self', ownerId: newcomer.id })).ownerId).toBe(newcomer.id);
    await expect(get(ContactsService).create(leaver, { lastName: 'Late' })).rejects.toMatchObject(refusedOn('ownerId', leaver.id));
  });

  it('waits a moment for a user identity has just created, and refuses one that never arrives', async () => {
    const fresh = uuidv7();
    const pending = get(ContactsService).create(manager, { lastName: 'Fresh', ownerId: fresh });
    // identity.user.created arrives while the create waits.
    await sleep(300);
    await projectUsers(sales.app, [{ tenantId, id: fresh, roles: ['sales_rep'] }]);
    expect((await pending).ownerId).toBe(fresh);

    const never = uuidv7();
    await expect(get(ContactsService).create(manager, { lastName: 'Never', ownerId: never })).rejects.toMatchObject(
      refusedOn('ownerId', never),
    );
  });

  it('checks owners per import row: bad owners make their rows INVALID, the others go in', async () => {
    const unknown = randomUUID();
    const header = ['Last', 'Email', 'Owner'];
    const mapping = [
      { column: 'Last', field: 'lastName' },
      { column: 'Email', field: 'email' },
      { column: 'Owner', field: 'ownerId' },
    ];
    const rows = [
      ['One', 'one@owners.test', colleague.id],
      ['Two', 'two@owners.test', unknown],
      ['Three', 'three@owners.test', leaver.id],
      ['Four', 'four@owners.test', ''],
    ];
    const contacts = await get(ImportService).importRecords(manager, { kind: 'CONTACT', header, mapping, rows });
    expect(contacts.rows.map((r) => [r.status, r.field, r.reason])).toEqual([
      ['CREATED', null, null],
      ['INVALID', 'ownerId', `ownerId: no active user ${unknown} in this tenant`],
      ['INVALID', 'ownerId', `ownerId: user ${leaver.id} is deactivated`],
      ['CREATED', null, null],
    ]);
    const owners = await get(DataSource).query(`SELECT owner_id FROM contacts WHERE id = ANY($1) ORDER BY last_name`, [
      [contacts.rows[0].id, contacts.rows[3].id],
    ]);
    expect(owners.map((o: { owner_id: string }) => o.owner_id)).toEqual([manager.id, colleague.id]);

    const leads = await get(ImportService).importRecords(manager, {
      kind: 'LEAD',
      header,
      mapping,
      rows: rows.map(([last, email, owner]) => [last, email.replace('@', '.lead@'), owner]),
    });
    expect(leads.rows.map((r) => [r.status, r.field])).toEqual([
      ['CREATED', null],
      ['INVALID', 'ownerId'],
      ['INVALID', 'ownerId'],
      ['CREATED', null],
    ]);
    const accounts = await get(ImportService).importRecords(manager, {
      kind: 'ACCOUNT',
      header: ['Name', 'Owner'],
      mapping: [
        { column: 'Name', field: 'name' },
        { column: 'Owner', field: 'ownerId' },
      ],
      rows: [
        ['Good Owner Ltd', colleague.id],
        ['Bad Owner Ltd', customer.id],
      ],
    });
    expect(accounts.rows.map((r) => [r.status, r.field])).toEqual([
      ['CREATED', null],
      ['INVALID', 'ownerId'],
    ]);
  });

  it('gives a converted lead of a since-deactivated owner to the converting user; merge cannot pick a deactivated owner', async () => {
    const wasActive = userPrincipal(tenantId, ['sales_rep']);
    await projectUsers(sales.app, [wasActive]);
    const { lead } = await get(LeadsService).create(manager, { lastName: 'Orphan', company: 'Orphan Co', ownerId: wasActive.id });
    await projectUsers(sales.app, [wasActive], 'deactivated');
    const converted = await get(LeadConversionService).convert(manager, { leadId: lead.id });
    expect([converted.account.ownerId, converted.contact.ownerId]).toEqual([manager.id, manager.id]);

    const survivor = await get(ContactsService).create(manager, { lastName: 'Survivor' });
    const dupe = await get(ContactsService).create(manager, { lastName: 'Dupe', ownerId: colleague.id });
    await projectUsers(sales.app, [colleague], 'deactivated');
    await expect(
      get(MergeService).merge(manager, 'CONTACT', {
        survivorId: survivor.id,
        mergedIds: [dupe.id],
        fieldChoices: [{ field: 'ownerId', fromId: dupe.id }],
      }),
    ).rejects.toMatchObject(refusedOn('fieldChoices[0].fromId', colleague.id));
  });
});
