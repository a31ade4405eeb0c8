import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { LeadsService } from '../leads/leads.service';
import { ActivitiesService } from '../activities/activities.service';
import { ProductsService } from '../products/products.service';
import { QuotesService } from '../quotes/quotes.service';
import { SalesPersonalData } from '../privacy/sales-personal-data';
import { salesDefinition } from '../sales.definition';
import { projectUsers } from '../users/__tests__/project-users';
import { MergeService } from '../merge/merge.service';
import { DeletionPurge } from './deletion-purge';
import { DeletionService } from './deletion.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deleting, restoring and purging sales records against the real Postgres (ADR 037). */
describe('deletion with a restore window', () => {
  let sales: StartedService;
  let db: DataSource;
  let contacts: ContactsService;
  let accounts: AccountsService;
  let opportunities: OpportunitiesService;
  let deletion: DeletionService;
  let purge: DeletionPurge;
  let leads: LeadsService;
  let activities: ActivitiesService;
  let products: ProductsService;
  let quotes: QuotesService;
  const tenantId = randomUUID();
  const as = (roles: Role[]): Principal => userPrincipal(tenantId, roles);
  const rep = as(['sales_rep']);
  const admin = as(['admin']);
  const marketer = as(['marketer']);

  const outboxTypes = async (subjectId: string): Promise<string[]> =>
    (
      await db.query(
        `SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 AND type <> 'sales.audit.recorded' ORDER BY created_at, id`,
        [subjectId],
      )
    ).map((r: { type: string }) => r.type);
  const auditActions = async (objectId: string): Promise<string[]> =>
    (
      await db.query(
        `SELECT envelope->'data'->>'action' AS action FROM outbox
          WHERE type = 'sales.audit.recorded' AND envelope->'data'->>'objectId' = $1 ORDER BY created_at, id`,
        [objectId],
      )
    ).map((r: { action: string }) => r.action);
  const codeOf = async (work: Promise<unknown>) =>
    work.then(
      () => 'no error',
      (err: { extensions?: { code?: string; field?: string } }) => `${err.extensions?.code}:${err.extensions?.field ?? ''}`,
    );
  const deal = (accountId: string) => ({
    name: 'Deal',
    accountId,
    amount: { amount: '1000.00', currency: 'EUR' },
    closeDate: '2026-12-31',
  });

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `del_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    contacts = sales.app.get(ContactsService);
    accounts = sales.app.get(AccountsService);
    opportunities = sales.app.get(OpportunitiesService);
    deletion = sales.app.get(DeletionService);
    purge = sales.app.get(DeletionPurge);
    leads = sales.app.get(LeadsService);
    activities = sales.app.get(ActivitiesService);
    products = sales.app.get(ProductsService);
    quotes = sales.app.get(QuotesService);
    await projectUsers(sales.app, [rep, admin, marketer]);
  });

  afterAll(() => sales?.close());

  it('hides a deleted contact from every read, lists it for admins, and restores it within the window', async () => {
    const contact = await contacts.create(rep, {
      lastName: 'Gone',
      emails: ['gone@example.com'],
      externalIds: [{ source: 'shop', key: 'gone-1' }],
    });
    const result = await deletion.deleteContact(rep, { id: contact.id });
    expect(result.deletedRecord).toMatchObject({ recordType: 'CONTACT', id: contact.id, label: 'Gone', cascadeOf: null });
    expect(new Date(result.deletedRecord.restorableUntil).getTime() - new Date(result.deletedRecord.deletedAt).getTime()).toBe(30 * DAY_MS);

    expect(await contacts.get(rep, contact.id)).toBeNull();
    expect((await contacts.getMany(rep, [contact.id])).size).toBe(0);
    expect(await contacts.getByExternalId(rep, 'shop', 'gone-1')).toBeNull();
    expect((await contacts.list(rep, { first: 100 })).edges.map((e) => e.node.id)).not.toContain(contact.id);

    const bin = await deletion.listDeleted(admin, { type: 'CONTACT' });
    expect(bin.edges.map((e) => e.node.id)).toContain(contact.id);
    expect(await codeOf(deletion.listDeleted(rep, {}))).toBe('FORBIDDEN:');

    expect(await codeOf(deletion.deleteContact(rep, { id: contact.id }))).toBe('CONFLICT:input.id');
    expect(await codeOf(deletion.deleteContact(rep, { id: randomUUID() }))).toBe('NOT_FOUND:');
    expect(await codeOf(deletion.deleteContact(rep, { id: 'nope' }))).toBe('BAD_USER_INPUT:input.id');

    await deletion.restore(rep, 'CONTACT', { id: contact.id });
    expect((await contacts.get(rep, contact.id))?.emails).toEqual(['gone@example.com']);
    expect((await contacts.getByExternalId(rep, 'shop', 'gone-1'))?.id).toBe(contact.id);
    expect(await codeOf(deletion.restore(rep, 'CONTACT', { id: contact.id }))).toBe('CONFLICT:input.id');
    expect(await codeOf(deletion.restore(rep, 'CONTACT', { id: randomUUID() }))).toBe('NOT_FOUND:');

    expect(await outboxTypes(contact.id)).toEqual(['sales.contact.created', 'sales.contact.deleted', 'sales.contact.restored']);
    expect(await auditActions(contact.id)).toEqual(['deleteContact', 'restoreContact']);
  });

  it('refuses callers who may not change the record', async () => {
    const contact = await contacts.create(rep, { lastName: 'Kept' });
    expect(await codeOf(deletion.deleteContact(marketer, { id: contact.id }))).toBe('FORBIDDEN:');
    expect(await codeOf(deletion.deleteContact(userPrincipal(randomUUID(), ['admin']), { id: contact.id }))).toBe('NOT_FOUND:');
    expect(await contacts.get(rep, contact.id)).not.toBeNull();
  });

  it("asks what happens to an account's contacts and opportunities, and undoes exactly that on restore", async () => {
    const account = await accounts.create(rep, { name: 'Acme Deleted' });
    const person = await contacts.create(rep, { lastName: 'Staff', accountId: account.id });
    const opportunity = await opportunities.create(rep, deal(account.id));

    expect(await codeOf(deletion.deleteAccount(rep, { id: account.id }))).toBe('BAD_USER_INPUT:input.contacts');
    expect(await codeOf(deletion.deleteAccount(rep, { id: account.id, contacts: 'DETACH' }))).toBe('BAD_USER_INPUT:input.opportunities');
    expect(await codeOf(deletion.deleteAccount(rep, { id: account.id, contacts: 'DETACH', opportunities: 'DETACH' }))).toBe(
      'BAD_USER_INPUT:input.opportunities',
    );
    expect(await accounts.get(rep, account.id)).not.toBeNull();

    const result = await deletion.deleteAccount(rep, { id: account.id, contacts: 'DETACH', opportunities: 'DELETE' });
    expect(result.detachedContactIds).toEqual([person.id]);
    expect(result.deletedWith.map((r) => [r.recordType, r.id, r.cascadeOf])).toEqual([['OPPORTUNITY', opportunity.id, account.id]]);
    expect(await accounts.get(rep, account.id)).toBeNull();
    expect(await opportunities.get(rep, opportunity.id)).toBeNull();
    expect((await contacts.get(rep, person.id))?.accountId).toBeNull();
    // What went with the account comes back only with it.
    expect(await codeOf(deletion.restore(rep, 'OPPORTUNITY', { id: opportunity.id }))).toBe('CONFLICT:input.id');

    await deletion.restore(rep, 'ACCOUNT', { id: account.id });
    expect(await accounts.get(rep, account.id)).not.toBeNull();
    expect((await opportunities.get(rep, opportunity.id))?.accountId).toBe(account.id);
    expect((await contacts.get(rep, person.id))?.accountId).toBe(account.id);
    expect(await outboxTypes(opportunity.id)).toEqual(
      expect.arrayContaining(['sales.opportunity.created', 'sales.opportunity.deleted', 'sales.opportunity.restored']),
    );
    expect(await auditActions(account.id)).toEqual(['deleteAccount', 'restoreAccount']);
  });

  it('takes an opportunity’s quotes into the restore window with it, and brings them back on restore', async () => {
    const account = await accounts.create(rep, { name: 'Quoted Ltd' });
    const opportunity = await opportunities.create(rep, deal(account.id));
    const quote = await quotes.create(rep, { opportunityId: opportunity.id });
    const read = async () => ({
      byId: (await quotes.get(rep, quote.id))?.id ?? null,
      batch: [...(await quotes.getMany(rep, [quote.id])).keys()],
      ofDeal: (await quotes.quotesOf(rep, [opportunity.id])).get(opportunity.id)?.map((q) => q.id) ?? [],
      pdf: (await quotes.document(rep, quote.id))?.quote.id ?? null,
    });
    expect(await read()).toEqual({ byId: quote.id, batch: [quote.id], ofDeal: [quote.id], pdf: quote.id });

    await deletion.deleteOpportunity(rep, { id: opportunity.id });
    expect(await read()).toEqual({ byId: null, batch: [], ofDeal: [], pdf: null });
    // Nor can it be changed meanwhile: not found, as the opportunity is.
    expect(await codeOf(quotes.send(rep, { id: quote.id }))).toBe('NOT_FOUND:');
    expect(await codeOf(quotes.create(rep, { opportunityId: opportunity.id }))).toBe('BAD_USER_INPUT:opportunityId');

    await deletion.restore(rep, 'OPPORTUNITY', { id: opportunity.id });
    expect(await read()).toEqual({ byId: quote.id, batch: [quote.id], ofDeal: [quote.id], pdf: quote.id });
  });

  it('deletes contacts with their account when asked, and a contact deleted alone comes back only to a live account', async () => {
    const account = await accounts.create(rep, { name: 'Cascade Co' });
    const person = await contacts.create(rep, { lastName: 'Along', accountId: account.id });
    const loner = await contacts.create(rep, { lastName: 'Alone', accountId: account.id });
    await deletion.deleteContact(rep, { id: loner.id });
    await deletion.deleteAccount(rep, { id: account.id, contacts: 'DELETE' });
    expect(await contacts.get(rep, person.id)).toBeNull();
    expect(await codeOf(deletion.restore(rep, 'CONTACT', { id: person.id }))).toBe('CONFLICT:input.id');
    expect(await codeOf(deletion.restore(rep, 'CONTACT', { id: loner.id }))).toBe('CONFLICT:input.id');
    await deletion.restore(rep, 'ACCOUNT', { id: account.id });
    expect((await contacts.get(rep, person.id))?.accountId).toBe(account.id);
    expect(await contacts.get(rep, loner.id)).toBeNull();
    await deletion.restore(rep, 'CONTACT', { id: loner.id });
    expect((await contacts.get(rep, loner.id))?.accountId).toBe(account.id);
  });

  it('purges what waited out its window for good, once, from the database alone', async () => {
    const account = await accounts.create(rep, { name: 'Purged Co' });
    const person = await contacts.create(rep, { lastName: 'Purged', accountId: account.id, externalIds: [{ source: 'shop', key: 'p-1' }] });
    const opportunity = await opportunities.create(rep, { ...deal(account.id), primaryContactId: person.id });
    const survivor = await contacts.create(rep, { lastName: 'Survivor' });
    await deletion.deleteAccount(rep, { id: account.id, contacts: 'DELETE', opportunities: 'DELETE' });
    const later = new Date(Date.now() + 31 * DAY_MS);

    // Not due yet: a sweep now leaves it restorable.
    expect(await purge.sweep(new Date())).toBeGreaterThanOrEqual(0);
    expect(await db.query(`SELECT 1 FROM accounts_all WHERE id = $1`, [account.id])).toHaveLength(1);

    expect(await purge.sweep(later)).toBeGreaterThanOrEqual(1);
    for (const [table, id] of [
      ['accounts_all', account.id],
      ['contacts_all', person.id],
      ['opportunities_all', opportunity.id],
    ]) {
      expect(await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).toHaveLength(0);
    }
    expect(await db.query(`SELECT 1 FROM contact_external_ids WHERE contact_id = $1`, [person.id])).toHaveLength(0);
    expect(await db.query(`SELECT 1 FROM deleted_records WHERE record_id = ANY($1::uuid[])`, [[account.id, person.id]])).toHaveLength(0);
    expect(await outboxTypes(person.id)).toContain('sales.contact.purged');
    expect(await outboxTypes(account.id)).toContain('sales.account.purged');
    expect(await outboxTypes(opportunity.id)).toContain('sales.opportunity.purged');
    expect(
      await db.query(
        `SELECT 1 FROM outbox WHERE type = 'sales.audit.recorded' AND envelope->'data'->>'action' = 'deletion.purged'
                         AND envelope->'data'->>'objectId' = $1`,
        [account.id],
      ),
    ).toHaveLength(1);
    // Purged: not restorable, not found.
    expect(await codeOf(deletion.restore(rep, 'ACCOUNT', { id: account.id }))).toBe('NOT_FOUND:');
    expect(await contacts.get(rep, survivor.id)).not.toBeNull();
    // A second sweep finds nothing of it.
    await purge.sweep(later);
    expect(await outboxTypes(person.id)).toEqual(expect.arrayContaining(['sales.contact.purged']));
    expect((await outboxTypes(person.id)).filter((t) => t === 'sales.contact.purged')).toHaveLength(1);
  });

  it("purging a contact takes the merge journal's images of it; an undo of such a merge is refused with the reason", async () => {
    const merges = sales.app.get(MergeService);
    const later = new Date(Date.now() + 31 * DAY_MS);
    const journalText = async (mergeId: string): Promise<string> =>
      JSON.stringify(await db.query(`SELECT before_images, after_images FROM contact_merges WHERE id = $1`, [mergeId]));

    // Merged and undone: the journal keeps both records' images, then one of them is deleted and purged.
    const keeper = await contacts.create(admin, { lastName: 'Keeper', emails: ['keeper@example.com'] });
    const journaled = await contacts.create(admin, { lastName: 'Journaled', emails: ['journaled@example.com'] });
    const undone = await merges.mergeContacts(admin, { survivorId: keeper.id, mergedIds: [journaled.id] });
    await merges.unmerge(admin, 'CONTACT', undone.id);
    expect(await journalText(undone.id)).toContain('journaled@example.com');
    await deletion.deleteContact(admin, { id: journaled.id });
    await purge.sweep(later);
    expect(await journalText(undone.id)).not.toMatch(/journaled@example\.com|Journaled|keeper@example\.com/);
    // The history stays: who was merged into whom, and when.
    const [kept] = await db.query(`SELECT survivor_id, merged_ids, unmerged_at FROM contact_merges WHERE id = $1`, [undone.id]);
    expect(kept).toMatchObject({ survivor_id: keeper.id, merged_ids: [journaled.id] });
    expect(kept.unmerged_at).not.toBeNull();

    // Merged and not undone: the survivor is deleted and purged (with what was merged into it); the undo says why it cannot be.
    const survivor = await contacts.create(admin, { lastName: 'Survives', emails: ['survives@example.com'] });
    const member = await contacts.create(admin, { lastName: 'Member', emails: ['member@example.com'] });
    const open = await merges.mergeContacts(admin, { survivorId: survivor.id, mergedIds: [member.id] });
    await deletion.deleteContact(admin, { id: survivor.id });
    await purge.sweep(later);
    expect(await journalText(open.id)).not.toMatch(/survives@example\.com|member@example\.com/);
    await expect(merges.unmerge(admin, 'CONTACT', open.id)).rejects.toMatchObject({
      message: expect.stringMatching(/purged after its restore window/),
      extensions: { code: 'CONFLICT', field: 'mergeId' },
    });
  });

  it('refuses a restore once the window has passed, even before the purge ran', async () => {
    const contact = await contacts.create(rep, { lastName: 'Late' });
    await deletion.deleteContact(rep, { id: contact.id });
    await db.query(`UPDATE deleted_records SET restorable_until = now() - interval '1 second' WHERE record_id = $1`, [contact.id]);
    expect(await codeOf(deletion.restore(rep, 'CONTACT', { id: contact.id }))).toBe('CONFLICT:input.id');
  });

  it('deletes, restores and purges leads, activities and products', async () => {
    const manager = as(['sales_manager']);
    await projectUsers(sales.app, [manager]);
    const lead = (await leads.create(rep, { lastName: 'Prospect', company: 'Maybe Co' })).lead;
    const contact = await contacts.create(rep, { lastName: 'Called' });
    const call = await activities.create(rep, { type: 'CALL', target: { type: 'CONTACT', id: contact.id }, subject: 'Call back' });
    const product = await products.create(manager, {
      code: `DEL-${Date.now()}`,
      name: 'Widget',
      standardPrices: [{ amount: '9.99', currency: 'EUR' }],
    });

    await deletion.deleteLead(rep, { id: lead.id });
    await deletion.deleteActivity(rep, { id: call.id });
    expect(await codeOf(deletion.deleteProduct(rep, { id: product.id }))).toBe('FORBIDDEN:');
    await deletion.deleteProduct(manager, { id: product.id });
    expect(await leads.get(rep, lead.id)).toBeNull();
    expect(await activities.get(rep, call.id)).toBeNull();
    expect(await products.get(manager, product.id)).toBeNull();
    expect((await deletion.listDeleted(admin, { type: 'PRODUCT' })).edges.map((e) => e.node.label)).toContain('Widget');

    // An activity comes back only about a live record.
    await deletion.deleteContact(rep, { id: contact.id });
    expect(await codeOf(deletion.restore(rep, 'ACTIVITY', { id: call.id }))).toBe('CONFLICT:input.id');
    await deletion.restore(rep, 'CONTACT', { id: contact.id });
    await deletion.restore(rep, 'ACTIVITY', { id: call.id });
    expect((await activities.get(rep, call.id))?.subject).toBe('Call back');
    await deletion.restore(rep, 'LEAD', { id: lead.id });
    expect((await leads.get(rep, lead.id))?.company).toBe('Maybe Co');
    await deletion.restore(manager, 'PRODUCT', { id: product.id });
    expect((await products.get(manager, product.id))?.name).toBe('Widget');
    expect(await outboxTypes(lead.id)).toEqual(expect.arrayContaining(['sales.lead.deleted', 'sales.lead.restored']));

    await deletion.deleteLead(rep, { id: lead.id });
    await deletion.deleteActivity(rep, { id: call.id });
    await deletion.deleteProduct(manager, { id: product.id });
    await purge.sweep(new Date(Date.now() + 31 * DAY_MS));
    for (const [table, id] of [
      ['leads_all', lead.id],
      ['activities_all', call.id],
      ['products_all', product.id],
    ]) {
      expect(await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).toHaveLength(0);
    }
    expect(await db.query(`SELECT 1 FROM price_book_entries WHERE product_id = $1`, [product.id])).toHaveLength(0);
    expect(await outboxTypes(product.id)).toContain('sales.product.purged');
  });

  it('exports and erases a deleted contact like a live one', async () => {
    const contact = await contacts.create(rep, { firstName: 'Erin', lastName: 'Erasable', emails: ['erin@example.com'] });
    await deletion.deleteContact(rep, { id: contact.id });
    const personal = new SalesPersonalData();
    const exported = await db.transaction((em) => personal.gather(em, tenantId, [contact.id]));
    expect(exported.contacts).toEqual([expect.objectContaining({ id: contact.id, last_name: 'Erasable' })]);
    expect(exported.deleted_records).toEqual([expect.objectContaining({ record_id: contact.id, label: 'Erin Erasable' })]);
    await db.transaction((em) => personal.erase(em, tenantId, [contact.id]));
    const [row] = await db.query(`SELECT last_name, emails FROM contacts_all WHERE id = $1`, [contact.id]);
    expect(row).toEqual({ last_name: '[erased]', emails: [] });
    const [entry] = await db.query(`SELECT label FROM deleted_records WHERE record_id = $1`, [contact.id]);
    expect(entry.label).toBe('[erased]');
  });
});
