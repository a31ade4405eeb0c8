import { OutboxRelay } from '@rapport/messaging';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const QUOTE_FIELDS = `id number status currency subtotal { amount currency } taxRatePercent tax { amount } total { amount currency } pdfUrl
  lines { number product { code } quantity unitPrice { amount } unitPriceOverridden discountPercent lineTotal { amount } }`;

/** Lead → conversion with an opportunity → quote with lines → sent → accepted → opportunity won, through the gateway. */
describe('quote to won deal through the gateway (end to end)', () => {
  let platform: Platform;
  let acme: TestTenant;
  let probe: StreamProbe;
  let manager: string;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const subject = (type: string) => `${process.env.NATS_SUBJECT_PREFIX}.${type}`;
  const gql = async (query: string, variables: Record<string, unknown>, token = manager) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    platform = await startPlatform();
    acme = await createTenant(platform, 'quotes');
    manager = await acme.tokenFor('sales_manager');
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  it('lead → convert → quote → send → accept → opportunity WON → sales.opportunity.won exactly once', async () => {
    const products = await gql(
      `mutation($a: CreateProductInput!, $b: CreateProductInput!) {
        a: createProduct(input: $a) { product { id code standardPrices { amount currency } } }
        b: createProduct(input: $b) { product { id } }
      }`,
      {
        a: { code: 'ENG-1', name: 'Difference engine', unit: 'each', standardPrices: [{ amount: '1999.99', currency: 'eur' }] },
        b: { code: 'SVC-1', name: 'Installation', unit: 'hour' },
      },
    );
    expect(products.a.product.standardPrices).toEqual([{ amount: '1999.99', currency: 'EUR' }]);
    const engine = products.a.product.id;
    const install = products.b.product.id;

    const rep = await acme.tokenFor('sales_rep');
    const repWrite = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createProduct(input: { code: "X", name: "X" }) {
            product {
              id
            }
          }
        }
      `,
      {},
      bearer(rep),
    );
    expect(repWrite.errors![0].extensions!.code).toBe('FORBIDDEN');

    const lead = await gql(`mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }`, {
      input: { firstName: 'Charles', lastName: 'Babbage', company: 'Engines Ltd', email: 'charles@engines.test' },
    });
    const converted = await gql(
      `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { opportunity { id status amount { amount currency } } contact { id } } }`,
      {
        input: {
          leadId: lead.createLead.lead.id,
          createOpportunity: { name: 'Two engines', amount: { amount: '4000', currency: 'EUR' }, closeDate: '2026-12-31' },
        },
      },
    );
    const opportunityId = converted.convertLead.opportunity.id;

    const created = await gql(
      `mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { ${QUOTE_FIELDS} contact { id } } } }`,
      {
        input: {
          opportunityId,
          taxRatePercent: '19',
          lines: [
            { productId: engine, quantity: '2', discountPercent: '2.5' },
            { productId: install, quantity: '3.5', unitPrice: '80.10' },
          ],
        },
      },
    );
    const q = created.createQuote.quote;
    // 2 × 1999.99 × 0.975 = 3899.9805 → 3899.98; 3.5 × 80.10 = 280.35; subtotal 4180.33; tax 794.2627 → 794.26; total 4974.59
    expect(q).toMatchObject({
      status: 'DRAFT',
      currency: 'EUR',
      subtotal: { amount: '4180.33', currency: 'EUR' },
      taxRatePercent: '19',
      tax: { amount: '794.26' },
      total: { amount: '4974.59', currency: 'EUR' },
      pdfUrl: `/quotes/${q.id}.pdf`,
      contact: { id: converted.convertLead.contact.id },
      lines: [
        {
          number: 1,
          product: { code: 'ENG-1' },
          quantity: '2',
          unitPrice: { amount: '1999.99' },
          unitPriceOverridden: false,
          discountPercent: '2.5',
          lineTotal: { amount: '3899.98' },
        },
        {
          number: 2,
          product: { code: 'SVC-1' },
          quantity: '3.5',
          unitPrice: { amount: '80.10' },
          unitPriceOverridden: true,
          discountPercent: '0',
          lineTotal: { amount: '280.35' },
        },
      ],
    });
    expect(q.number).toMatch(/^Q-\d{4}-0001$/);

    const sent = await gql(`mutation($input: SendQuoteInput!) { sendQuote(input: $input) { quote { status } } }`, { input: { id: q.id } });
    expect(sent.sendQuote.quote.status).toBe('SENT');
    const late = await graphql(
      platform.graphqlUrl,
      `
        mutation ($input: UpdateQuoteInput!) {
          updateQuote(input: $input) {
            quote {
              id
            }
          }
        }
      `,
      { input: { id: q.id, taxRatePercent: '7' } },
      bearer(manager),
    );
    expect(late.errors![0].extensions!.code).toBe('CONFLICT');

    // Through the gateway's own domain, as a customer-facing link would be.
    const pdf = await fetch(`${platform.gateway.url}${q.pdfUrl}`, { headers: bearer(manager) });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('%PDF');
    const otherTenant = await createTenant(platform, 'quotes-other');
    const foreign = await fetch(`${platform.gateway.url}${q.pdfUrl}`, { headers: bearer(await otherTenant.tokenFor('sales_manager')) });
    expect(foreign.status).toBe(404);
    expect((await fetch(`${platform.gateway.url}${q.pdfUrl}`)).status).toBe(401);
    const direct = await fetch(`${platform.sales.url}${q.pdfUrl}`, { headers: bearer(manager) });
    expect(direct.status).toBe(200);

    const ACCEPT = `mutation($input: AcceptQuoteInput!) {
      acceptQuote(input: $input) {
        quote { status acceptedAt }
        opportunity { id status probability amount { amount currency } closeReason stage { name } pipeline { id } quotes { number status } }
      }
    }`;
    const accepted = await gql(ACCEPT, { input: { id: q.id } });
    expect(accepted.acceptQuote).toMatchObject({
      quote: { status: 'ACCEPTED' },
      opportunity: {
        id: opportunityId,
        status: 'WON',
        probability: 100,
        amount: { amount: '4974.59', currency: 'EUR' },
        closeReason: `quote ${q.number} accepted`,
        stage: { name: 'Closed Won' },
        quotes: [{ number: q.number, status: 'ACCEPTED' }],
      },
    });
    const twice = await graphql(platform.graphqlUrl, ACCEPT, { input: { id: q.id } }, bearer(manager));
    expect(twice.errors![0].extensions!.code).toBe('CONFLICT');

    const wonSubject = subject('sales.opportunity.won');
    await probe.waitFor(stream, wonSubject, (evs) => evs.some((e) => e.subjectId === opportunityId));
    await probe.waitFor(stream, subject('sales.quote.accepted'), (evs) => evs.some((e) => e.subjectId === q.id));
    // A second relay pass (crash recovery, another replica) must not add a copy.
    await platform.sales.app.get(OutboxRelay).drain();
    const won = (await probe.events(stream, wonSubject)).filter((e) => e.subjectId === opportunityId);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({
      type: 'sales.opportunity.won',
      tenantId: acme.id,
      data: {
        reason: `quote ${q.number} accepted`,
        opportunity: { id: opportunityId, status: 'WON', amount: { amount: '4974.59', currency: 'EUR' } },
      },
    });
    const quoteEvents = (await probe.events(stream, subject('sales.quote.>'))).filter((e) => e.subjectId === q.id);
    expect(quoteEvents.map((e) => e.type)).toEqual(['sales.quote.sent', 'sales.quote.accepted']);

    const today = new Date().toISOString().slice(0, 10);
    const numbers = await gql(
      `query($pipelineId: ID!, $today: Date!) {
        forecast(period: { year: 2026, quarter: 4 }) {
          from to owner { id } categories { category currency count amount { amount } weightedAmount { amount } byOwner { owner { id } count } }
          wonSoFar { amount currency }
        }
        pipelineMetrics(pipelineId: $pipelineId, from: $today, to: $today) {
          won lost winRate averageWonDealSize { amount currency } stages { stage { name } stays averageDays }
        }
      }`,
      { pipelineId: accepted.acceptQuote.opportunity.pipeline.id, today },
    );
    expect(numbers.forecast).toMatchObject({
      from: '2026-10-01',
      to: '2026-12-31',
      owner: null,
      categories: [
        { category: 'CLOSED_WON', currency: 'EUR', count: 1, amount: { amount: '4974.59' }, weightedAmount: { amount: '4974.59' } },
      ],
      wonSoFar: [{ amount: '4974.59', currency: 'EUR' }],
    });
    expect(numbers.forecast.categories[0].byOwner).toHaveLength(1);
    expect(numbers.pipelineMetrics).toMatchObject({
      won: 1,
      lost: 0,
      winRate: 1,
      averageWonDealSize: [{ amount: '4974.59', currency: 'EUR' }],
    });
    expect(numbers.pipelineMetrics.stages[0]).toMatchObject({ stage: { name: 'Prospecting' }, stays: 1 });
  });
});
