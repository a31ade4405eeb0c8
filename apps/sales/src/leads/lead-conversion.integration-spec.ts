import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import type { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { salesDefinition } from '../sales.definition';
import { LeadConversionService } from './lead-conversion.service';
import { LeadsService } from './leads.service';

/** convertLead against the real Postgres: atomicity, row-lock serialisation, reuse, access. */
describe('lead conversion', () => {
  let sales: StartedService;
  let db: DataSource;
  let leads: LeadsService;
  let conversion: LeadConversionService;
  const tenantId = randomUUID();
  const as = (roles: Role[], id?: string): Principal => userPrincipal(tenantId, roles, id);
  const rep = as(['sales_rep']);
  const manager = as(['sales_manager']);
  const partner: Principal = { kind: 'apiKey', tenantId, id: randomUUID(), roles: ['partner'], scopes: ['leads:write'], contactId: null };
  const opportunity = { name: 'First deal', amount: { amount: '12500.50', currency: 'eur' }, closeDate: '2026-06-30' };

  const count = async (sql: string, params: unknown[]) => (await db.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n as number;
  const outboxTypes = async (subjectId: string) =>
    (await db.query(`SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 ORDER BY created_at, id`, [subjectId])).map(
      (r: { type: string }) => r.type,
    );
  const codeOf = (err: unknown) => (err as GraphQLError).extensions?.code;

  beforeAll(async () => {
    // Own schema: parallel Jest workers must not race on one schema's migrations.
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `conv_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    leads = sales.app.get(LeadsService);
    conversion = sales.app.get(LeadConversionService);
  });

  afterAll(() => sales?.close());

  it('creates account, contact and opportunity atomically, links them and writes their events', async () => {
    const { lead } = await leads.create(rep, {
      firstName: 'Grace',
      lastName: 'Hopper',
      company: 'Navy Labs',
      email: 'Grace@Navy.test',
      phone: '+1 201 555 0123',
    });
    const result = await conversion.convert(rep, { leadId: lead.id, createOpportunity: opportunity });

    expect(result).toMatchObject({ accountCreated: true, contactCreated: true });
    expect(result.account).toMatchObject({ name: 'Navy Labs', ownerId: rep.id });
    expect(result.contact).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      emails: ['grace@navy.test'],
      phones: ['+12015550123'],
      accountId: result.account.id,
    });
    expect(result.opportunity).toMatchObject({
      accountId: result.account.id,
      primaryContactId: result.contact.id,
      ownerId: rep.id,
      leadId: lead.id,
      currency: 'EUR',
      status: 'OPEN',
    });
    expect(result.lead).toMatchObject({
      status: 'CONVERTED',
      convertedAccountId: result.account.id,
      convertedContactId: result.contact.id,
      convertedOpportunityId: result.opportunity!.id,
    });

    const [row] = await db.query(`SELECT l.status, o.amount::text FROM leads l JOIN opportunities o ON o.lead_id = l.id WHERE l.id = $1`, [
      lead.id,
    ]);
    expect(row).toMatchObject({ status: 'CONVERTED', amount: '12500.5000' });
    expect(await outboxTypes(lead.id)).toEqual(['sales.lead.created', 'sales.lead.converted']);
    expect(await outboxTypes(result.account.id)).toEqual(['sales.account.created']);
    expect(await outboxTypes(result.contact.id)).toEqual(['sales.contact.created']);
    expect(await outboxTypes(result.opportunity!.id)).toEqual(['sales.opportunity.created']);
  });

  it('lets exactly one of five concurrent conversions win; the rest get CONFLICT and create nothing', async () => {
    const { lead } = await leads.create(manager, { lastName: 'Race', company: 'Race Corp', email: 'race@race.test' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => conversion.convert(manager, { leadId: lead.id, createOpportunity: opportunity })),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.map((o) => codeOf(o.reason))).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(await count(`contacts WHERE tenant_id = $1 AND 'race@race.test' = ANY(emails)`, [tenantId])).toBe(1);
    expect(await count(`accounts WHERE tenant_id = $1 AND name = 'Race Corp'`, [tenantId])).toBe(1);
    expect(await count(`opportunities WHERE lead_id = $1`, [lead.id])).toBe(1);
    expect(await count(`outbox WHERE type = 'sales.lead.converted' AND envelope->>'subjectId' = $1`, [lead.id])).toBe(1);

    await expect(conversion.convert(manager, { leadId: lead.id })).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'leadId' },
    });
  });

  it('rolls everything back when a late step fails, naming the field', async () => {
    const { lead } = await leads.create(rep, { lastName: 'Rollback', company: 'Rollback Ltd', email: 'rb@rollback.test' });
    await expect(
      conversion.convert(rep, { leadId: lead.id, createOpportunity: { ...opportunity, amount: { amount: '12,50', currency: 'EUR' } } }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'createOpportunity.amount.amount' } });

    expect(await count(`accounts WHERE tenant_id = $1 AND name = 'Rollback Ltd'`, [tenantId])).toBe(0);
    expect(await count(`contacts WHERE tenant_id = $1 AND 'rb@rollback.test' = ANY(emails)`, [tenantId])).toBe(0);
    expect(await outboxTypes(lead.id)).toEqual(['sales.lead.created']);
    expect((await leads.get(rep, lead.id))!.status).toBe('NEW');
  });

  it('reuses an existing contact and its account without creating or announcing new ones', async () => {
    const account = await sales.app.get(AccountsService).create(rep, { name: 'Existing Inc' });
    const contact = await sales.app
      .get(ContactsService)
      .create(rep, { lastName: 'Known', emails: ['known@existing.test'], accountId: account.id });
    const { lead, duplicates } = await leads.create(rep, { lastName: 'Known', email: 'KNOWN@existing.test' });
    expect(duplicates).toEqual([{ kind: 'CONTACT', id: contact.id, matchedOn: 'EMAIL' }]);

    const result = await conversion.convert(rep, { leadId: lead.id, contactId: contact.id });
    expect(result).toMatchObject({ accountCreated: false, contactCreated: false, opportunity: null });
    expect(result.account.id).toBe(account.id);
    expect(
      await count(`outbox WHERE tenant_id = $1 AND type = 'sales.contact.created' AND envelope->>'subjectId' = $2`, [tenantId, contact.id]),
    ).toBe(1);

    const other = await sales.app.get(AccountsService).create(rep, { name: 'Other Inc' });
    const { lead: second } = await leads.create(rep, { lastName: 'Mismatch', company: 'X' });
    await expect(conversion.convert(rep, { leadId: second.id, contactId: contact.id, accountId: other.id })).rejects.toMatchObject({
      extensions: { field: 'contactId' },
    });
  });

  it('refuses other reps, disqualified leads and leads without a company when no account is named', async () => {
    const { lead } = await leads.create(rep, { lastName: 'Mine', company: 'Mine Co' });
    await expect(conversion.convert(as(['sales_rep']), { leadId: lead.id })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });

    const { lead: noCompany } = await leads.create(rep, { lastName: 'Solo' });
    await expect(conversion.convert(rep, { leadId: noCompany.id })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'accountId' },
    });

    await leads.update(rep, { id: lead.id, status: 'DISQUALIFIED' });
    await expect(conversion.convert(rep, { leadId: lead.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
  });

  it('reports duplicates without blocking, and only those the caller may see', async () => {
    const first = await leads.create(rep, { lastName: 'Twin', email: 'twin@dup.test' });
    const second = await leads.create(rep, { lastName: 'Twin', email: 'Twin@Dup.test' });
    expect(second.duplicates).toEqual([{ kind: 'LEAD', id: first.lead.id, matchedOn: 'EMAIL' }]);

    const fromPartner = await leads.create(partner, { lastName: 'Twin', email: 'twin@dup.test', source: 'Partner' });
    expect(fromPartner.lead).toMatchObject({ ownerId: null, source: 'partner', status: 'NEW' });
    expect(fromPartner.duplicates).toEqual([]);
    expect(await count(`leads WHERE tenant_id = $1 AND email = 'twin@dup.test'`, [tenantId])).toBe(3);
  });
});
