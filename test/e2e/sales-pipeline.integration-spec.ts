import { OutboxRelay } from '@rapport/messaging';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_LEAD = `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id status source owner { id } } duplicates { kind id } } }`;
const CONVERT = `mutation($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id status convertedOpportunity { id } }
    account { id name }
    accountCreated
    contact { id emails account { name } }
    contactCreated
    opportunity { id status probability amount { amount currency } weightedAmount { amount currency } closeDate owner { email } stage { name } pipeline { name isDefault stages { id name forecastCategory } } }
  }
}`;
const MOVE = `mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { id probability stage { name } } } }`;
const CLOSE = `mutation($input: CloseOpportunityInput!) {
  closeOpportunity(input: $input) {
    opportunity { id status probability closeReason closedAt stage { name isClosed } stageHistory { from { name } to { name } by { email } reason } }
  }
}`;

/** Lead capture by a partner → conversion → stage moves → won, through the gateway, ending on the SALES stream. */
describe('sales pipeline through the gateway (end to end)', () => {
  let platform: Platform;
  let acme: TestTenant;
  let probe: StreamProbe;
  let manager: string;
  let partnerKey: string;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const wonSubject = `${process.env.NATS_SUBJECT_PREFIX}.sales.opportunity.won`;

  beforeAll(async () => {
    platform = await startPlatform();
    acme = await createTenant(platform, 'pipeline');
    manager = await acme.tokenFor('sales_manager');
    const key = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createApiKey(input: { name: "web form", scopes: ["leads:write"] }) {
            secret
          }
        }
      `,
      {},
      bearer(await acme.tokenFor('admin')),
    );
    partnerKey = key.data!.createApiKey.secret;
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  it('partner lead → converted with an opportunity → moved → won → sales.opportunity.won exactly once', async () => {
    const lead = await graphql(
      platform.graphqlUrl,
      CREATE_LEAD,
      { input: { firstName: 'Ada', lastName: 'Byron', company: 'Analytical Engines', email: 'ada@engines.test', source: 'Web-Form' } },
      { 'x-api-key': partnerKey },
    );
    expect(lead.errors).toBeUndefined();
    expect(lead.data!.createLead).toMatchObject({ lead: { status: 'NEW', source: 'web-form', owner: null }, duplicates: [] });
    const leadId = lead.data!.createLead.lead.id;

    const partnerRead = await graphql(
      platform.graphqlUrl,
      `
        {
          leads {
            totalCount
          }
        }
      `,
      {},
      { 'x-api-key': partnerKey },
    );
    expect(partnerRead.errors![0].extensions!.code).toBe('FORBIDDEN');

    const converted = await graphql(
      platform.graphqlUrl,
      CONVERT,
      {
        input: {
          leadId,
          createOpportunity: { name: 'Engine No. 1', amount: { amount: '25000.10', currency: 'eur' }, closeDate: '2026-09-30' },
        },
      },
      bearer(manager),
    );
    expect(converted.errors).toBeUndefined();
    const c = converted.data!.convertLead;
    expect(c).toMatchObject({
      lead: { status: 'CONVERTED', convertedOpportunity: { id: c.opportunity.id } },
      account: { name: 'Analytical Engines' },
      accountCreated: true,
      contact: { emails: ['ada@engines.test'], account: { name: 'Analytical Engines' } },
      contactCreated: true,
      opportunity: {
        status: 'OPEN',
        probability: 10,
        amount: { amount: '25000.10', currency: 'EUR' },
        weightedAmount: { amount: '2500.01', currency: 'EUR' },
        closeDate: '2026-09-30',
        owner: { email: `sales_manager@${acme.slug}.test` },
        stage: { name: 'Prospecting' },
        pipeline: { name: 'Sales', isDefault: true },
      },
    });
    const opportunityId = c.opportunity.id;
    const stage = (name: string) => c.opportunity.pipeline.stages.find((s: { name: string }) => s.name === name).id;

    const again = await graphql(platform.graphqlUrl, CONVERT, { input: { leadId } }, bearer(manager));
    expect(again.errors![0].extensions).toMatchObject({ code: 'CONFLICT' });

    const rep = await acme.tokenFor('sales_rep');
    const foreign = await graphql(platform.graphqlUrl, MOVE, { input: { id: opportunityId, stageId: stage('Proposal') } }, bearer(rep));
    expect(foreign.errors![0].extensions!.code).toBe('FORBIDDEN');

    for (const [name, probability] of [
      ['Proposal', 50],
      ['Negotiation', 80],
    ] as const) {
      const moved = await graphql(
        platform.graphqlUrl,
        MOVE,
        { input: { id: opportunityId, stageId: stage(name), reason: `to ${name}` } },
        bearer(manager),
      );
      expect(moved.errors).toBeUndefined();
      expect(moved.data!.moveOpportunityStage.opportunity).toMatchObject({ probability, stage: { name } });
    }

    const closed = await graphql(
      platform.graphqlUrl,
      CLOSE,
      { input: { id: opportunityId, won: true, reason: 'signed' } },
      bearer(manager),
    );
    expect(closed.errors).toBeUndefined();
    const o = closed.data!.closeOpportunity.opportunity;
    expect(o).toMatchObject({ status: 'WON', probability: 100, closeReason: 'signed', stage: { name: 'Closed Won', isClosed: true } });
    expect(o.stageHistory.map((h: any) => [h.from?.name ?? null, h.to.name, h.reason])).toEqual([
      [null, 'Prospecting', null],
      ['Prospecting', 'Proposal', 'to Proposal'],
      ['Proposal', 'Negotiation', 'to Negotiation'],
      ['Negotiation', 'Closed Won', 'signed'],
    ]);
    expect(o.stageHistory[3].by).toEqual({ email: `sales_manager@${acme.slug}.test` });

    const twice = await graphql(platform.graphqlUrl, CLOSE, { input: { id: opportunityId, won: true } }, bearer(manager));
    expect(twice.errors![0].extensions!.code).toBe('CONFLICT');

    const byAccount = await graphql(
      platform.graphqlUrl,
      `
        query ($id: ID!) {
          account(id: $id) {
            opportunities(filter: { status: WON }) {
              totalCount
              edges {
                node {
                  id
                }
              }
            }
          }
        }
      `,
      { id: c.account.id },
      bearer(rep),
    );
    expect(byAccount.data!.account.opportunities).toEqual({ totalCount: 1, edges: [{ node: { id: opportunityId } }] });

    const events = await probe.waitFor(stream, wonSubject, (evs) => evs.some((e) => e.subjectId === opportunityId));
    // The relay may run again (crash recovery, a second replica); the stream still holds the fact once.
    await platform.sales.app.get(OutboxRelay).drain();
    const mine = (await probe.events(stream, wonSubject)).filter((e) => e.subjectId === opportunityId);
    expect(events.filter((e) => e.subjectId === opportunityId)).toHaveLength(1);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      type: 'sales.opportunity.won',
      version: 1,
      tenantId: acme.id,
      actor: { kind: 'user' },
      data: {
        reason: 'signed',
        opportunity: { id: opportunityId, status: 'WON', amount: { amount: '25000.10', currency: 'EUR' }, leadId },
      },
    });
  });
});
