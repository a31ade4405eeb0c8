import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { CUSTOMER_TIER_CHANGED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { serviceDefinition } from '../service.definition';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import { SalesFeed } from './sales-feed';

/** A record named by a caller may take up to 6 s to reach the projection before the case is refused. */
const ENV = { SERVICE_CUSTOMER_WAIT_MS: '6000' };
const prefix = process.env.NATS_SUBJECT_PREFIX;

describe('service: the customer master (existence, accounts, merges)', () => {
  let service: StartedService;
  let nc: NatsConnection;
  let feed: SalesFeed;

  const as = (tenantId: string, kind: Principal['kind'] = 'user', contactId: string | null = null): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles: kind === 'user' ? ['support_agent'] : kind === 'customer' ? ['customer'] : [],
    scopes: kind === 'apiKey' ? ['cases:write'] : [],
    contactId,
  });
  const cases = () => service.app.get(CasesService);
  /** Owner connection (bypasses RLS): assertions only, always by case or tenant. */
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);
  const ownerOf = async (caseId: string) =>
    (await query(`SELECT contact_id AS "contactId", account_id AS "accountId" FROM cases WHERE id = $1`, [caseId]))[0];
  const contactsOf = async (ids: string[]) => Promise.all(ids.map(async (id) => (await ownerOf(id)).contactId as string));

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
  });

  afterAll(async () => {
    await nc?.close();
    await service?.close();
  });

  const badInput = (field: string, message: RegExp) => ({
    extensions: { code: 'BAD_USER_INPUT', field },
    message: expect.stringMatching(message),
  });

  it('refuses a contact or account the tenant does not have, and an account that is not the contact’s; takes the contact’s account', async () => {
    const tenantId = randomUUID();
    const accountId = await feed.account(tenantId);
    const otherAccount = await feed.account(tenantId);
    const contactId = await feed.contact(tenantId, accountId);
    const loner = await feed.contact(tenantId);
    const elsewhere = await feed.contact(randomUUID());
    const ghost = randomUUID();

    for (const who of [as(tenantId), as(tenantId, 'apiKey')]) {
      await expect(cases().open(who, { contactId: ghost, subject: 'x' })).rejects.toMatchObject(badInput('contactId', new RegExp(ghost)));
      await expect(cases().open(who, { contactId, accountId: ghost, subject: 'x' })).rejects.toMatchObject(
        badInput('accountId', new RegExp(`account ${ghost} does not exist`)),
      );
      await expect(cases().open(who, { contactId, accountId: otherAccount, subject: 'x' })).rejects.toMatchObject(
        badInput(
          'accountId',
          new RegExp(`account ${otherAccount} is not the account of contact ${contactId} \\(its account is ${accountId}\\)`),
        ),
      );
      await expect(cases().open(who, { contactId: loner, accountId, subject: 'x' })).rejects.toMatchObject(
        badInput('accountId', /belongs to no account/),
      );
      const named = await cases().open(who, { contactId, accountId, subject: 'named' });
      const taken = await cases().open(who, { contactId, subject: 'taken' });
      expect([named.accountId, taken.accountId]).toEqual([accountId, accountId]);
      expect((await cases().open(who, { contactId: loner, subject: 'alone' })).accountId).toBeNull();
    }
    // Another tenant's contact does not exist here (its id is fresh, so this one waits out the budget first).
    await expect(cases().open(as(tenantId), { contactId: elsewhere, subject: 'x' })).rejects.toMatchObject(
      badInput('contactId', new RegExp(`contact ${elsewhere} does not exist in this tenant`)),
    );
    // Nothing was written for the refused ones.
    const [{ n }] = await query(`SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(6);
    // A customer's case takes their contact's account too (they never choose one).
    const own = await cases().open(as(tenantId, 'customer', contactId), { subject: 'mine', accountId: otherAccount });
    expect([own.contactId, own.accountId]).toEqual([contactId, accountId]);
  });

  it('waits for a contact and account created in sales a moment ago, and refuses a fresh id that never arrives', async () => {
    const tenantId = randomUUID();
    // Ids as sales mints them (UUIDv7), whose events are published only after the case was asked for.
    const accountId = uuidv7();
    const contactId = uuidv7();
    const opening = cases().open(as(tenantId), { contactId, accountId, subject: 'Just created' });
    await new Promise((r) => setTimeout(r, 300));
    const now = new Date().toISOString();
    await feed.publish(
      newEvent({
        type: 'sales.account.created',
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: accountId,
        data: { account: { id: accountId, name: 'New', domain: null, industry: null, ownerId: null, createdAt: now, updatedAt: now } },
      }),
    );
    await feed.publish(feed.contactEvent(tenantId, contactId, accountId));
    const opened = await opening;
    expect([opened.contactId, opened.accountId]).toEqual([contactId, accountId]);

    const neverSent = uuidv7();
    await expect(cases().open(as(tenantId), { contactId: neverSent, subject: 'x' })).rejects.toMatchObject(
      badInput('contactId', new RegExp(neverSent)),
    );
  });

  it('re-points cases, satisfaction requests and the tier on a contact merge and restores exactly on unmerge', async () => {
    const tenantId = randomUUID();
    const agent = as(tenantId);
    const survivor = await feed.contact(tenantId);
    const merged = await feed.contact(tenantId);
    await publishTier(tenantId, merged, 'gold');

    const mergedCase = await cases().open(agent, { contactId: merged, subject: 'Before the merge' });
    await cases().changeStatus(agent, { caseId: mergedCase.id, status: 'RESOLVED' });
    const survivorCase = await cases().open(agent, { contactId: survivor, subject: 'Survivor before' });

    const mergeId = await feed.merge('CONTACT', tenantId, survivor, [merged]);
    expect(await contactsOf([mergedCase.id, survivorCase.id])).toEqual([survivor, survivor]);
    expect(await satisfactionContact(mergedCase.id)).toBe(survivor);
    // Until analytics rescores the survivor, it is served at the merged contact's tier.
    expect(await service.app.get(SlaPoliciesService).customerTier(agent, survivor)).toBe('gold');

    // After the merge: staff naming the merged contact, and its own customer login, land on the survivor.
    const namedMerged = await cases().open(agent, { contactId: merged, subject: 'Named the merged one' });
    const mergedLogin = as(tenantId, 'customer', merged);
    const selfService = await cases().open(mergedLogin, { subject: 'Self-service after the merge' });
    const survivorAfter = await cases().open(agent, { contactId: survivor, subject: 'Survivor after' });
    expect(await contactsOf([namedMerged.id, selfService.id])).toEqual([survivor, survivor]);
    expect(namedMerged.tier).toBe('gold');
    // The merged contact's login acts as the survivor: it sees every case of the customer.
    const seen = (await cases().list(mergedLogin, {})).edges.map((e) => e.node.id).sort();
    expect(seen).toEqual([mergedCase.id, survivorCase.id, namedMerged.id, selfService.id, survivorAfter.id].sort());

    await feed.unmerge('CONTACT', tenantId, survivor, [merged], mergeId);
    expect(await contactsOf([mergedCase.id, namedMerged.id, selfService.id])).toEqual([merged, merged, merged]);
    expect(await contactsOf([survivorCase.id, survivorAfter.id])).toEqual([survivor, survivor]);
    expect(await satisfactionContact(mergedCase.id)).toBe(merged);
    expect(await service.app.get(SlaPoliciesService).customerTier(agent, survivor)).toBeNull();
    expect(await service.app.get(SlaPoliciesService).customerTier(agent, merged)).toBe('gold');
    expect((await cases().list(mergedLogin, {})).edges.map((e) => e.node.id).sort()).toEqual(
      [mergedCase.id, namedMerged.id, selfService.id].sort(),
    );
  });

  it('undoes nested merges one step at a time', async () => {
    const tenantId = randomUUID();
    const agent = as(tenantId);
    const [b, a, c] = [await feed.contact(tenantId), await feed.contact(tenantId), await feed.contact(tenantId)];
    const onB = await cases().open(agent, { contactId: b, subject: 'B' });
    const onA = await cases().open(agent, { contactId: a, subject: 'A' });
    const bIntoA = await feed.merge('CONTACT', tenantId, a, [b]);
    const aIntoC = await feed.merge('CONTACT', tenantId, c, [a]);
    const namedB = await cases().open(agent, { contactId: b, subject: 'named B after both' });
    expect(await contactsOf([onB.id, onA.id, namedB.id])).toEqual([c, c, c]);

    // Sales undoes the later merge first.
    await feed.unmerge('CONTACT', tenantId, c, [a], aIntoC);
    expect(await contactsOf([onB.id, onA.id, namedB.id])).toEqual([a, a, a]);
    await feed.unmerge('CONTACT', tenantId, a, [b], bIntoA);
    expect(await contactsOf([onB.id, onA.id, namedB.id])).toEqual([b, a, b]);
  });

  it('re-points cases and contacts on an account merge and restores them on unmerge', async () => {
    const tenantId = randomUUID();
    const agent = as(tenantId);
    const [kept, folded] = [await feed.account(tenantId), await feed.account(tenantId)];
    const person = await feed.contact(tenantId, folded);
    const before = await cases().open(agent, { contactId: person, subject: 'before' });
    expect(before.accountId).toBe(folded);

    const mergeId = await feed.merge('ACCOUNT', tenantId, kept, [folded]);
    expect((await ownerOf(before.id)).accountId).toBe(kept);
    const takenAfter = await cases().open(agent, { contactId: person, subject: 'takes the contact account' });
    const namedAfter = await cases().open(agent, { contactId: person, accountId: folded, subject: 'names the folded account' });
    expect([takenAfter.accountId, namedAfter.accountId]).toEqual([kept, kept]);

    await feed.unmerge('ACCOUNT', tenantId, kept, [folded], mergeId);
    for (const c of [before, takenAfter, namedAfter]) expect((await ownerOf(c.id)).accountId).toBe(folded);
    // The projected contact is back at its account: naming it is accepted again, the survivor is refused.
    expect((await cases().open(agent, { contactId: person, accountId: folded, subject: 'again' })).accountId).toBe(folded);
    await expect(cases().open(agent, { contactId: person, accountId: kept, subject: 'x' })).rejects.toMatchObject(
      badInput('accountId', /is not the account of contact/),
    );
  });

  it('ignores a merge whose unmerge arrived first', async () => {
    const tenantId = randomUUID();
    const [survivor, merged] = [await feed.contact(tenantId), await feed.contact(tenantId)];
    const onMerged = await cases().open(as(tenantId), { contactId: merged, subject: 'x' });
    const merge = feed.mergeEvent('CONTACT', tenantId, survivor, [merged]);
    await feed.unmerge('CONTACT', tenantId, survivor, [merged], merge.data.mergeId);
    await feed.publish(merge);
    // A later event proves the merge was consumed (one consumer, in stream order) without effect.
    await feed.contact(tenantId);
    expect((await ownerOf(onMerged.id)).contactId).toBe(merged);
    // Logged as seen, but not in force: it was undone before it arrived.
    const rows = await query(`SELECT merged_at, unmerged_at FROM customer_merge_members WHERE tenant_id = $1 AND merge_id = $2`, [
      tenantId,
      merge.data.mergeId,
    ]);
    expect(rows).toEqual([{ merged_at: expect.any(Date), unmerged_at: expect.any(Date) }]);
    expect((await query(`SELECT merged_into FROM customer_contacts WHERE tenant_id = $1 AND id = $2`, [tenantId, merged]))[0]).toEqual({
      merged_into: null,
    });
  });

  async function satisfactionContact(caseId: string): Promise<string> {
    const [row] = await query(`SELECT contact_id FROM satisfaction_requests WHERE case_id = $1`, [caseId]);
    return row.contact_id;
  }

  async function publishTier(tenantId: string, contactId: string, tier: string): Promise<void> {
    const event = newEvent({
      type: CUSTOMER_TIER_CHANGED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: contactId,
      data: { contactId, previousTier: null, tier, clv: { amount: '1000.00', currency: 'EUR' } },
    });
    await nc.jetstream().publish(`${prefix}.${CUSTOMER_TIER_CHANGED}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
    const deadline = Date.now() + 15_000;
    while ((await service.app.get(SlaPoliciesService).customerTier(as(tenantId), contactId)) !== tier) {
      if (Date.now() > deadline) throw new Error('tier not recorded');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
