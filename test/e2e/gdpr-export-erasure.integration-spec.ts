import { randomBytes } from 'node:crypto';
import { bearer, graphql } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '@rapport/contracts';
import { UsersService } from '../../apps/identity/src/users/users.service';
import { auditEntriesByRequest, newRequestId } from '../harness/audit';
import {
  CAMPAIGN,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  eventually,
  gatewayClient,
  LAUNCH,
  SET_CONSENT,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

/**
 * GDPR end to end through the gateway (ADR 034): a person filed as two
 * contacts that sales merged, with orders, a case with comments, consents and
 * campaign messages, exported and then erased; someone else with the same
 * kinds of data is the control. The export holds the person's data from
 * every service and nothing of the other's; after the erasure no text
 * column of any table of any service's schema holds one of their personal
 * values, and revenue is what it was.
 */

jest.setTimeout(300_000);

const SERVICES = ['sales', 'service', 'analytics', 'marketing', 'identity'];
const PASSWORD = 'customer-password-1';

interface Person {
  tag: string;
  firstName: string;
  lastName: string;
  emails: string[];
  phones: string[];
  externalKeys: string[];
  ids: string[];
  caseId?: string;
}

function person(name: string): Person {
  const tag = `${name}${randomBytes(4).toString('hex')}`;
  const digits = String(100000000 + (randomBytes(4).readUInt32BE() % 900000000));
  return {
    tag,
    firstName: `First${tag}`,
    lastName: `Last${tag}`,
    emails: [`${tag}@home.test`, `${tag}@work.test`],
    // Valid numbers in E.164, as sales stores them: a UK mobile (+44 78…) and a Berlin line (+49 30…).
    phones: [`+4478${digits.slice(0, 8)}`, `+4930${digits.slice(0, 8)}`],
    externalKeys: [`shop-${tag}`, `erp-${tag}`],
    ids: [],
  };
}

const personalValues = (p: Person) => [p.firstName, p.lastName, ...p.emails, ...p.phones, ...p.externalKeys];

describe('GDPR: export and erasure of a person across every service (e2e)', () => {
  let rig: MarketingRig;
  let admin: string;
  let call: ReturnType<typeof gatewayClient>;
  const ada = person('ada');
  const grace = person('grace');

  beforeAll(async () => {
    rig = await startMarketingRig('gdpr');
    admin = await rig.tenant.tokenFor('admin');
    call = gatewayClient(rig.platform, admin);
    for (const p of [ada, grace]) await seed(p);
  });

  afterAll(() => rig?.stop());

  /** Two contact records for the person, merged; an order on each; a case with comments (resolved); consent; a campaign message. */
  async function seed(p: Person): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const { createContact } = await call(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: {
          firstName: p.firstName,
          lastName: p.lastName,
          emails: [p.emails[i]],
          phones: [p.phones[i]],
          externalIds: [{ source: i === 0 ? 'shop' : 'erp', key: p.externalKeys[i] }],
        },
      });
      p.ids.push(createContact.contact.id);
    }
    // Their self-service login, under their own address and name.
    const users = rig.platform.identity.app.get(UsersService);
    await users['db'].withTenant(rig.tenant.id, (em) =>
      users.insertUser(em, rig.tenant.id, SYSTEM_ACTOR, {
        email: p.emails[0],
        displayName: `${p.firstName} ${p.lastName}`,
        password: PASSWORD,
        roles: ['customer'],
        contactId: p.ids[0],
      }),
    );
    await call(`mutation($i: MergeRecordsInput!) { mergeContacts(input: $i) { id } }`, {
      i: { survivorId: p.ids[0], mergedIds: [p.ids[1]] },
    });
    await seedSalesHistory(p);
    await call(`mutation($i: RecordOrdersInput!) { recordOrders(input: $i) { __typename } }`, {
      i: {
        orders: p.ids.map((contactId, i) => ({
          source: 'shop',
          externalOrderId: `${p.tag}-order-${i}`,
          contactId,
          occurredAt: new Date(Date.now() - (i + 1) * 86_400_000).toISOString(),
          amount: `${i + 1}00.25`,
          currency: 'EUR',
        })),
      },
    });
    // The case is opened for the merged duplicate: service must follow the merge to find it.
    const { openCase } = await eventuallyCall(`mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } } }`, {
      i: {
        contactId: p.ids[1],
        subject: `Parcel for ${p.firstName} ${p.lastName}`,
        description: `Call ${p.phones[0]}`,
        category: 'PROBLEM',
      },
    });
    p.caseId = openCase.case.id;
    await call(`mutation($i: AddCaseCommentInput!) { addCaseComment(input: $i) { __typename } }`, {
      i: { caseId: p.caseId, body: `Wrote to ${p.emails[1]} for ${p.firstName}`, visibility: 'PUBLIC' },
    });
    await eventuallyCall(SET_CONSENT, {
      input: {
        contactId: p.ids[0],
        channel: 'EMAIL',
        status: 'OPTED_IN',
        source: 'web form',
        proof: `signed by ${p.firstName} ${p.lastName}`,
      },
    });
    // By a fragment that is no personal value of theirs: a rule that spelled out their name would be data about them the erasure cannot know of.
    const { createSegment } = await call(CREATE_SEGMENT, {
      input: { name: p.tag, rule: { field: 'lastName', op: 'contains', value: p.tag } },
    });
    const { createCampaign } = await call(CREATE_CAMPAIGN, {
      input: {
        name: `News for ${p.tag}`,
        segmentId: createSegment.segment.id,
        channel: 'EMAIL',
        variants: [{ key: 'A', splitPercent: 100, subject: 'Hello {{firstName}}', text: 'Dear {{firstName}} {{lastName}}' }],
      },
    });
    await call(LAUNCH, { id: createCampaign.campaign.id });
    await eventually(
      async () => (await call(CAMPAIGN, { id: createCampaign.campaign.id })).campaign,
      (c) => c.status === 'SENT',
      60_000,
    );
  }

  /**
   * What sales and the shop publish about the person besides their contact
   * (ADR 052): the lead they were, with a task naming them, converted into
   * the survivor with a deal and a quote whose notes name them; a call
   * logged on the contact; a cart the shop reported under their external id.
   */
  async function seedSalesHistory(p: Person): Promise<void> {
    const { createLead } = await call(`mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } } }`, {
      i: { firstName: p.firstName, lastName: p.lastName, email: p.emails[0], phone: p.phones[0], company: `Co ${p.tag}` },
    });
    const leadId = createLead.lead.id;
    const activity = (target: { type: string; id: string }, subject: string) =>
      call(`mutation($i: CreateActivityInput!) { createActivity(input: $i) { activity { id } } }`, {
        i: { type: 'TASK', target, subject, dueAt: new Date(Date.now() + 86_400_000).toISOString() },
      });
    await activity({ type: 'LEAD', id: leadId }, `Qualify ${p.firstName} ${p.lastName}`);
    const { convertLead } = await call(`mutation($i: ConvertLeadInput!) { convertLead(input: $i) { opportunity { id } } }`, {
      i: {
        leadId,
        contactId: p.ids[0],
        createOpportunity: { name: `Deal ${p.tag}`, amount: { amount: '500.00', currency: 'EUR' }, closeDate: '2027-06-30' },
      },
    });
    await call(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { quote { id } } }`, {
      i: { opportunityId: convertLead.opportunity.id, notes: `For ${p.firstName} ${p.lastName}, ${p.emails[0]}` },
    });
    await activity({ type: 'CONTACT', id: p.ids[0] }, `Call ${p.firstName} on ${p.phones[1]}`);
    const { recordCommerceEvents } = await call(
      `mutation($i: RecordCommerceEventsInput!) { recordCommerceEvents(input: $i) { recorded results { error { field message } } } }`,
      {
        i: {
          events: [
            {
              eventId: `cart-${p.tag}`,
              type: 'cart.abandoned',
              source: 'shop',
              occurredAt: new Date().toISOString(),
              externalCustomer: { source: 'shop', key: p.externalKeys[0] },
              cart: {
                cartId: `cart-${p.tag}`,
                value: '40.00',
                currency: 'EUR',
                lines: [{ sku: 'TEA', quantity: '2', unitPrice: '20.00' }],
              },
            },
          ],
        },
      },
    );
    expect(recordCommerceEvents).toMatchObject({ recorded: 1 });
  }

  /** A call that needs an event to have reached another service first. */
  async function eventuallyCall(query: string, variables: Record<string, unknown>, as = admin): Promise<any> {
    let last: unknown;
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const res = await graphql(rig.platform.graphqlUrl, query, variables, bearer(as));
      if (!res.errors) return res.data;
      last = res.errors;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`still failing: ${JSON.stringify(last)}`);
  }

  async function revenue(): Promise<unknown> {
    const from = new Date(Date.now() - 400 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    return (
      await call(
        `query($f: DateTime!, $t: DateTime!) { revenueByPeriod(period: MONTH, from: $f, to: $t) { period revenue { amount currency } orders } }`,
        { f: from, t: to },
      )
    ).revenueByPeriod;
  }

  /** Every row of every table in the five services' schemas whose text, array or JSON columns hold one of the values. */
  async function scan(values: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const name of SERVICES) {
      const ds = rig.platform.services[name].app.get(DataSource);
      const [{ schema }] = await ds.query(`SELECT current_schema() AS schema`);
      const columns: { table_name: string; column_name: string }[] = await ds.query(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
          WHERE c.table_schema = $1 AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
        [schema],
      );
      expect(columns.length).toBeGreaterThan(10);
      for (const { table_name: table, column_name: column } of columns) {
        // Each service's own connection (its runtime role reads only its schema); BYPASSRLS, so every tenant's rows.
        const rows: { v: string }[] = await ds.query(
          `SELECT t."${column}"::text AS v FROM "${schema}"."${table}" t
            WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS p(v) WHERE strpos(lower(t."${column}"::text), p.v) > 0)`,
          [values.map((v) => v.toLowerCase())],
        );
        for (const row of rows) found.push(`${name}.${table}.${column}: ${row.v.slice(0, 160)}`);
      }
    }
    return found;
  }

  /** Every message of every stream the platform writes, as stored (sealed or not), that holds one of the values. */
  async function scanStreams(values: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const stream of ['IDENTITY', 'SALES', 'SERVICE', 'ANALYTICS', 'MARKETING', 'COMMERCE']) {
      const events = await rig.probe.storedEvents(`${stream}_${process.env.NATS_STREAM_SUFFIX}`, `${process.env.NATS_SUBJECT_PREFIX}.>`);
      for (const event of events) {
        const text = JSON.stringify(event).toLowerCase();
        if (values.some((v) => text.includes(v.toLowerCase())))
          found.push(`${stream} ${event.type}: ${JSON.stringify(event.data).slice(0, 200)}`);
      }
    }
    return found;
  }

  it('refuses erasure with an open case or a legal hold unless an admin forces it with a reason', async () => {
    const manager = await rig.tenant.createUser('gdpr-manager', ['support_manager']);
    const erase = (input: Record<string, unknown>, token = admin, headers: Record<string, string> = {}) =>
      graphql(
        rig.platform.graphqlUrl,
        `
          mutation ($i: RequestErasureInput!) {
            requestErasure(input: $i) {
              erasure {
                id
              }
            }
          }
        `,
        { i: input },
        { ...bearer(token), ...headers },
      );
    const refusalId = newRequestId('requestErasure-refused');
    const openCase = await erase({ contactId: ada.ids[1] }, admin, { 'x-request-id': refusalId });
    expect(openCase.errors![0].extensions).toMatchObject({ code: 'CONFLICT' });
    expect(openCase.errors![0].message).toContain(`open cases ${ada.caseId}`);
    // The refusal changed nothing, but it is on the record once.
    expect((await auditEntriesByRequest(rig.platform, rig.tenant.id, [refusalId])).get(refusalId)).toBe(1);
    const notAdmin = await erase({ contactId: ada.ids[0], force: true, forceReason: 'court order' }, manager.token);
    expect(notAdmin.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const noReason = await erase({ contactId: ada.ids[0], force: true });
    expect(noReason.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.forceReason' });

    for (const p of [ada, grace]) {
      await call(`mutation($i: ChangeCaseStatusInput!) { changeCaseStatus(input: $i) { case { id } } }`, {
        i: { caseId: p.caseId, status: 'RESOLVED' },
      });
    }
    await call(`mutation($i: SetLegalHoldInput!) { setLegalHold(input: $i) { legalHold { reason } } }`, {
      i: { contactId: ada.ids[0], hold: true, reason: 'pending lawsuit' },
    });
    const held = await erase({ contactId: ada.ids[1] });
    expect(held.errors![0].extensions).toMatchObject({ code: 'CONFLICT' });
    expect(held.errors![0].message).toContain('legal hold (pending lawsuit)');
    await call(`mutation($i: SetLegalHoldInput!) { setLegalHold(input: $i) { legalHold { reason } } }`, {
      i: { contactId: ada.ids[0], hold: false },
    });
  });

  let revenueBefore: unknown;

  it('exports everything every service holds about the person, and nothing of anyone else, for the requester only', async () => {
    revenueBefore = await revenue();
    const { requestPersonalDataExport } = await call(
      `mutation($i: RequestPersonalDataExportInput!) { requestPersonalDataExport(input: $i) { export { id status recordIds } } }`,
      { i: { contactId: ada.ids[1] } },
    );
    const { id, recordIds } = requestPersonalDataExport.export;
    expect([...recordIds].sort()).toEqual([...ada.ids].sort());
    const done = await eventually(
      async () =>
        (
          await call(
            `query($id: ID!) { personalDataExport(id: $id) { status missingServices downloadUrl downloadExpiresAt answers { service tables { table rows } } } }`,
            { id },
          )
        ).personalDataExport,
      (e) => e.status !== 'PENDING',
      60_000,
    );
    expect(done.status).toBe('COMPLETED');
    expect(done.missingServices).toEqual([]);
    expect(done.answers.map((a: { service: string }) => a.service).sort()).toEqual([...SERVICES].sort());

    const url = `${rig.gatewayUrl}${done.downloadUrl}`;
    const res = await fetch(url, { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const text = await res.text();
    const archive = JSON.parse(text);
    expect(archive.manifest.missingServices).toEqual([]);
    expect(archive.manifest.services.map((s: { service: string }) => s.service)).toEqual([...SERVICES].sort());
    for (const value of personalValues(ada)) expect(text).toContain(value);
    for (const value of [...personalValues(grace), ...grace.ids]) expect(text).not.toContain(value);
    const tables = (service: string) => archive.services[service].tables;
    expect(tables('sales').contacts).toHaveLength(2);
    expect(tables('analytics').orders).toHaveLength(2);
    expect(tables('service').case_comments).toHaveLength(1);
    expect(tables('marketing').consents.length).toBeGreaterThan(0);
    expect(tables('marketing').messages).toHaveLength(1);
    expect(tables('identity').audit_log.length).toBeGreaterThan(0);
    expect(tables('identity').users).toEqual([expect.objectContaining({ email: ada.emails[0], contact_id: ada.ids[0] })]);
    expect(JSON.stringify(tables('identity').users)).not.toContain('password');

    // Nobody else downloads it: anonymous, another admin, a forged expiry or signature.
    expect((await fetch(url)).status).toBe(401);
    const other = await rig.tenant.createUser('gdpr-other-admin', ['admin']);
    expect((await fetch(url, { headers: bearer(other.token) })).status).toBe(404);
    const later = url.replace(/expires=(\d+)/, (_, s) => `expires=${Number(s) + 3600}`);
    expect((await fetch(later, { headers: bearer(admin) })).status).toBe(404);
    expect((await fetch(url.replace(/signature=[^&]+/, 'signature=forged'), { headers: bearer(admin) })).status).toBe(404);
  });

  it('erases the person from every table of every service, reports each service, and keeps revenue', async () => {
    // Before: the values are there (the scan can find them).
    expect((await scan(personalValues(ada))).length).toBeGreaterThan(0);
    // The request id travels with the erasure event to every service, whose consumers name it as their entries' cause.
    const erasureRequestId = newRequestId('requestErasure');
    const asked = await graphql(
      rig.platform.graphqlUrl,
      `
        mutation ($i: RequestErasureInput!) {
          requestErasure(input: $i) {
            erasure {
              id
              status
            }
          }
        }
      `,
      { i: { contactId: ada.ids[0] } },
      { ...bearer(admin), 'x-request-id': erasureRequestId },
    );
    expect(asked.errors).toBeUndefined();
    const { requestErasure } = asked.data!;
    const done = await eventually(
      async () =>
        (
          await call(
            `query($id: ID!) { erasureRequest(id: $id) { status missingServices recordIds answers { service tables { table rows } } } }`,
            {
              id: requestErasure.erasure.id,
            },
          )
        ).erasureRequest,
      (e) => e.status !== 'PENDING',
      60_000,
    );
    expect(done.status).toBe('COMPLETED');
    expect(done.answers.map((a: { service: string }) => a.service).sort()).toEqual([...SERVICES].sort());
    const rows = (service: string, table: string) =>
      done.answers.find((a: { service: string }) => a.service === service).tables.find((t: { table: string }) => t.table === table)?.rows;
    expect(rows('sales', 'contacts')).toBe(2);
    expect(rows('service', 'case_comments')).toBe(1);

    expect(await scan(personalValues(ada))).toEqual([]);
    const erasedUnder: { service: string }[] = await rig.platform.identity.app
      .get(DataSource)
      .query(`SELECT service FROM audit_log WHERE tenant_id = $1 AND details->>'causedByRequest' = $2 AND action = 'privacy.erased'`, [
        rig.tenant.id,
        erasureRequestId,
      ]);
    expect(erasedUnder.map((r) => r.service).sort()).toEqual([...SERVICES].sort());
    // Their login is gone; Grace's still works.
    const signIn = (email: string) =>
      graphql(
        rig.platform.graphqlUrl,
        `
          mutation ($i: LoginInput!) {
            login(input: $i) {
              accessToken
            }
          }
        `,
        {
          i: { tenant: rig.tenant.slug, email, password: PASSWORD },
        },
      );
    expect((await signIn(ada.emails[0])).errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await signIn(grace.emails[0])).errors).toBeUndefined();
    // The other person is untouched.
    expect((await scan(personalValues(grace))).length).toBeGreaterThan(0);
    expect(await revenue()).toEqual(revenueBefore);
  });

  it('leaves no readable personal value in any stream, and a replay of the streams does not bring the person back', async () => {
    // The messages about both people are there, sealed: no value of either reads in any stream.
    const stored = async (stream: string, type: string) =>
      rig.probe.events(`${stream}_${process.env.NATS_STREAM_SUFFIX}`, `${process.env.NATS_SUBJECT_PREFIX}.${type}`);
    expect((await stored('SALES', 'sales.contact.created')).length).toBeGreaterThanOrEqual(4);
    // Leads, activities, quotes and the shop's carts too (ADR 052): each sort is there, for both people.
    for (const [stream, type] of [
      ['SALES', 'sales.lead.created'],
      ['SALES', 'sales.lead.converted'],
      ['SALES', 'sales.activity.created'],
      ['SALES', 'sales.opportunity.created'],
      ['ANALYTICS', 'analytics.order.recorded'],
      ['COMMERCE', 'commerce.cart.abandoned'],
      ['MARKETING', 'marketing.message.sent'],
    ])
      expect([type, (await stored(stream, type)).length >= 2]).toEqual([type, true]);
    const leads = (await stored('SALES', 'sales.lead.created')).map((e) => e.data as { lead: { lastName: string } });
    // Grace's lead opens in full with her key; Ada's key is gone, so hers reads as erased.
    expect(leads.map((l) => l.lead.lastName)).toEqual(expect.arrayContaining([grace.lastName, '[erased]']));
    expect(leads.map((l) => l.lead.lastName)).not.toContain(ada.lastName);
    const carts = (await stored('COMMERCE', 'commerce.cart.abandoned')).map(
      (e) => (e.data as { externalCustomer: unknown }).externalCustomer,
    );
    expect(carts).toContainEqual({ source: 'shop', key: grace.externalKeys[0] });
    expect(carts).toContainEqual(null);
    expect(await scanStreams(personalValues(ada))).toEqual([]);
    expect(await scanStreams(personalValues(grace))).toEqual([]);

    // Marketing rebuilds its read model from the streams: Grace comes back in full, Ada only as an erased record.
    const { replayReadModel } = await call(`mutation { replayReadModel { id } }`);
    await eventually(
      async () =>
        (await call(`query($id: ID!) { readModelReplay(id: $id) { status failure } }`, { id: replayReadModel.id })).readModelReplay,
      (r) => r.status !== 'RUNNING',
      60_000,
    );
    const marketing = rig.platform.services.marketing.app.get(DataSource);
    const names = async (p: Person) =>
      (await marketing.query(`SELECT first_name, last_name, emails FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id`, [
        p.ids,
      ])) as unknown[];
    // The survivor holds both addresses since the merge.
    expect(await names(grace)).toContainEqual({ first_name: grace.firstName, last_name: grace.lastName, emails: [...grace.emails].sort() });
    // Erased either way: a sealed snapshot whose key is gone reads firstName null, and the replay's resync of sales' erased
    // record (ADR 053) says '[erased]'.
    const adaNow = (await names(ada)) as { first_name: string | null }[];
    expect(adaNow.map((r) => ({ ...r, first_name: r.first_name ?? '[erased]' }))).toEqual(
      ada.ids.map(() => ({ first_name: '[erased]', last_name: '[erased]', emails: [] })),
    );
    expect(await scan(personalValues(ada))).toEqual([]);
  });
});
