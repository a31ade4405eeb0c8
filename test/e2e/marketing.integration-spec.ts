import { SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { startMarketingRig, type MarketingRig } from '../harness/marketing-fixtures';
import { customerToken, type Platform, type TestTenant } from '../harness/platform';

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`;
const CASE_STATUS = `mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { case { status } } }`;
const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created rejected } }`;
const FACE = `query($id: ID!) {
  contact(id: $id) {
    lastName emails
    consents { channel purpose status source }
    cases { totalCount }
    marketing { openComplaints marketingPaused segments { name } lastTouches { channel status campaign { name } } suppression { suppressed } }
  }
}`;

/**
 * The cross-service marketing story through the gateway: contacts from
 * sales, consent from a web form, a complaint opened in service keeps one
 * customer out of a campaign, an order recorded in analytics is attributed
 * to it, and the unsubscribe link in the mail works without login — with the
 * whole face of the customer in one query.
 */

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(180_000);

describe('marketing across sales, service and analytics (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let probe: StreamProbe;
  let tokens: Record<'marketer' | 'rep' | 'agent' | 'admin', string>;

  let rig: MarketingRig;

  beforeAll(async () => {
    rig = await startMarketingRig('mkt-e2e');
    ({ platform, tenant, sink, probe } = rig);
    tokens = {
      marketer: await tenant.tokenFor('marketer'),
      rep: await tenant.tokenFor('sales_rep'),
      agent: await tenant.tokenFor('support_agent'),
      admin: await tenant.tokenFor('admin'),
    };
  });

  afterAll(() => rig?.stop());

  const as =
    (who: keyof typeof tokens) =>
    async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await graphql(platform.graphqlUrl, query, variables, bearer(tokens[who]));
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data as Record<string, any>;
    };

  const eventually = eventuallyWithin({ timeoutMs: 20_000, intervalMs: 150 });

  it('keeps a complaining customer out, attributes an order, unsubscribes by link, and shows it all on the contact', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['Ada', 'Grace', 'Hedy']) {
      const res = await as('rep')(CREATE_CONTACT, {
        input: { firstName: name, lastName: 'Pioneer', emails: [`${name.toLowerCase()}@example.com`] },
      });
      ids[name] = res.createContact.contact.id;
    }
    for (const id of Object.values(ids)) {
      await as('rep')(`mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status } } }`, {
        input: { contactId: id, channel: 'EMAIL', status: 'OPTED_IN', source: 'web-form', proof: 'form-123' },
      });
    }
    // Hedy complains; marketing hears of it from service.
    const opened = await as('agent')(OPEN_CASE, {
      input: { contactId: ids.Hedy, subject: 'Invoice wrong twice', category: 'COMPLAINT', channel: 'EMAIL' },
    });
    const caseId = opened.openCase.case.id;
    await eventually(
      async () => (await as('admin')(FACE, { id: ids.Hedy })).contact.marketing,
      (m) => m?.marketingPaused === true,
    );

    const segment = (
      await as('marketer')(`mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id memberCount } } }`, {
        input: { name: 'Pioneers', rule: { field: 'lastName', op: 'eq', value: 'Pioneer' } },
      })
    ).createSegment.segment;
    expect(segment.memberCount).toBe(3);
    const campaign = (
      await as('marketer')(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }`, {
        input: {
          name: 'Launch news',
          segmentId: segment.id,
          channel: 'EMAIL',
          variants: [{ key: 'A', splitPercent: 100, subject: 'News for {{firstName}}', text: 'Read on' }],
        },
      })
    ).createCampaign.campaign;
    await as('marketer')(`mutation($id: ID!) { launchCampaign(id: $id) { campaign { status } } }`, { id: campaign.id });
    const done = await eventually(
      async () =>
        (await as('marketer')(`query($id: ID!) { campaign(id: $id) { status audience { excluded { key count } } } }`, { id: campaign.id }))
          .campaign,
      (c) => c.status === 'SENT',
    );
    expect(done.audience.excluded).toEqual([{ key: 'OPEN_COMPLAINT', count: 1 }]);
    const mails = await sink.waitForMessages(2, 10_000);
    expect(mails.map((m) => m.envelope.to[0]).sort()).toEqual(['ada@example.com', 'grace@example.com']);

    // Ada orders (an admin records it; shops would use an API key), analytics resolves and reports it, marketing credits it.
    const recorded = await as('admin')(RECORD_ORDERS, {
      input: {
        orders: [
          {
            source: 'shop',
            externalOrderId: 'E2E-1',
            contactId: ids.Ada,
            occurredAt: new Date().toISOString(),
            amount: '129.90',
            currency: 'EUR',
          },
        ],
      },
    });
    expect(recorded.recordOrders).toEqual({ created: 1, rejected: 0 });
    const results = await eventually(
      async () =>
        (
          await as('marketer')(
            `query($id: ID!) { campaignResults(id: $id) { groups { variantKey reach conversions revenue { amount currency } } } }`,
            { id: campaign.id },
          )
        ).campaignResults.groups,
      (groups) => groups[0]?.conversions === 1,
    );
    expect(results).toEqual([{ variantKey: 'A', reach: 2, conversions: 1, revenue: { amount: '129.90', currency: 'EUR' } }]);
    const stream = `MARKETING_${process.env.NATS_STREAM_SUFFIX}`;
    const ours = <T extends { tenantId: string }>(events: T[]) => events.filter((e) => e.tenantId === tenant.id);
    const attributed = ours(
      await probe.waitFor(stream, `${process.env.NATS_SUBJECT_PREFIX}.marketing.conversion.attributed`, (e) => ours(e).length >= 2),
    );
    expect(attributed.map((e) => (e.data as { model: string }).model).sort()).toEqual(['FIRST_TOUCH', 'LAST_TOUCH']);

    // Grace unsubscribes from the link in her mail, without signing in.
    const grace = mails.find((m) => m.envelope.to[0] === 'grace@example.com')!;
    const link = /<([^>]+)>/.exec(grace.header('list-unsubscribe')!)![1];
    expect(
      (
        await fetch(link, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(200);

    // Hedy's complaint is resolved: marketing may approach her again.
    await as('agent')(CASE_STATUS, { input: { caseId, status: 'RESOLVED' } });
    await eventually(
      async () => (await as('admin')(FACE, { id: ids.Hedy })).contact.marketing,
      (m) => m?.marketingPaused === false,
    );

    // One query, every department's view of Grace (an admin sees all of it).
    const face = (await as('admin')(FACE, { id: ids.Grace })).contact;
    expect(face).toMatchObject({
      lastName: 'Pioneer',
      emails: ['grace@example.com'],
      consents: [{ channel: 'EMAIL', purpose: 'MARKETING', status: 'OPTED_OUT', source: 'unsubscribe-link' }],
      cases: { totalCount: 0 },
      marketing: {
        openComplaints: 0,
        marketingPaused: false,
        segments: [{ name: 'Pioneers' }],
        lastTouches: [{ channel: 'EMAIL', status: 'SENT', campaign: { name: 'Launch news' } }],
        suppression: { suppressed: false },
      },
    });
  });

  it('shows every segment a contact is in, DYNAMIC and STATIC, and none it is not', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['Lin', 'Max']) {
      ids[name] = (await as('rep')(CREATE_CONTACT, { input: { firstName: name, lastName: 'Segtest' } })).createContact.contact.id;
    }
    const known = async () => (await as('admin')(FACE, { id: ids.Lin })).contact.marketing;
    await eventually(known, (m) => m !== null);
    await eventually(
      async () => (await as('admin')(FACE, { id: ids.Max })).contact.marketing,
      (m) => m !== null,
    );
    const segments: [string, string, unknown][] = [
      ['Lins', 'DYNAMIC', { field: 'firstName', op: 'eq', value: 'Lin' }],
      ['Nobody', 'DYNAMIC', { field: 'firstName', op: 'eq', value: 'Nobody' }],
      ['Segtest snapshot', 'STATIC', { field: 'lastName', op: 'eq', value: 'Segtest' }],
      ['Max only', 'STATIC', { field: 'firstName', op: 'eq', value: 'Max' }],
      [
        'Lin or Zoe Segtest',
        'DYNAMIC',
        {
          and: [
            { field: 'lastName', op: 'eq', value: 'Segtest' },
            { field: 'firstName', op: 'in', value: ['Zoe', 'Lin'] },
          ],
        },
      ],
      ['Not Lin', 'DYNAMIC', { not: { field: 'firstName', op: 'eq', value: 'Lin' } }],
    ];
    for (const [name, kind, rule] of segments) {
      await as('marketer')(`mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id } } }`, {
        input: { name, kind, rule },
      });
    }
    const names = (m: { segments: { name: string }[] }) => m.segments.map((s) => s.name).filter((n) => segments.some(([s]) => s === n));
    // Newest first, as segments are listed.
    expect(names(await known())).toEqual(['Lin or Zoe Segtest', 'Segtest snapshot', 'Lins']);
    expect(names((await as('admin')(FACE, { id: ids.Max })).contact.marketing)).toEqual(['Not Lin', 'Max only', 'Segtest snapshot']);
  });

  it('lets a self-service customer change their own consent and nobody else’s', async () => {
    const [me, other] = await Promise.all(
      ['Self', 'Other'].map(
        async (name) =>
          (await as('rep')(CREATE_CONTACT, { input: { firstName: name, lastName: 'Customer', emails: [`${name}@example.com`] } }))
            .createContact.contact.id as string,
      ),
    );
    const customer = await customerToken(platform, tenant, me);
    const set = (contactId: string) =>
      graphql(
        platform.graphqlUrl,
        `
          mutation ($input: SetConsentInput!) {
            setConsent(input: $input) {
              consent {
                status
                channel
              }
            }
          }
        `,
        { input: { contactId, channel: 'SMS', status: 'OPTED_OUT', source: 'preference-center' } },
        bearer(customer),
      );
    const own = await set(me);
    expect(own.errors).toBeUndefined();
    expect(own.data!.setConsent.consent).toEqual({ status: 'OPTED_OUT', channel: 'SMS' });
    const foreign = await set(other);
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const campaigns = await graphql(
      platform.graphqlUrl,
      `
        {
          campaigns {
            totalCount
          }
        }
      `,
      {},
      bearer(customer),
    );
    expect(campaigns.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('treats hostile rule input as data: injections find nothing and break nothing, bad fields are named', async () => {
    const preview = (rule: unknown) =>
      graphql(
        platform.graphqlUrl,
        `
          query ($rule: JSON!) {
            previewSegment(rule: $rule, first: 5) {
              count
            }
          }
        `,
        { rule },
        bearer(tokens.marketer),
      );
    for (const value of ["x' OR '1'='1", "'; DROP TABLE contacts; --", 'Pioneer\\', '%', '_', '\u0027) OR true --', '$1', '*/ OR 1=1 /*']) {
      const res = await preview({
        or: [
          { field: 'lastName', op: 'eq', value },
          { field: 'email', op: 'contains', value },
          { field: 'attributes.k', op: 'eq', value },
        ],
      });
      expect(res.errors).toBeUndefined();
      expect(res.data!.previewSegment.count).toBe(0);
    }
    const bad = await preview({
      and: [
        { field: "lastName'; DROP TABLE contacts; --", op: 'eq', value: 'x' },
        { field: 'tier', op: 'gt; --', value: 1 },
      ],
    });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rule.and[0].field' });
    expect((bad.errors?.[0].extensions?.problems as unknown[]).length).toBeGreaterThanOrEqual(2);
    // The table is still there and still answers.
    const still = await preview({ field: 'lastName', op: 'eq', value: 'Pioneer' });
    expect(still.data!.previewSegment.count).toBe(3);
  });
});
