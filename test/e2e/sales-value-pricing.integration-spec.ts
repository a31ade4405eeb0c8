import { CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED } from '@rapport/contracts';
import { bearer, graphql, pdfText } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { event, publish } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(180_000);

const QUOTE = `mutation($i: CreateQuoteInput!) {
  createQuote(input: $i) { quote { id pdfUrl pricingReason priceBook { name forTier } lines { unitPrice { amount } } total { amount } } }
}`;

/**
 * Value-based pricing through the gateway: a price book for the platinum
 * tier; analytics publishes that a contact is platinum; a quote for her is
 * priced from that book and says why (in the API and on the PDF); a quote
 * for an untiered contact uses the standard book; a named book wins; when
 * analytics takes the tier away, her next quote is standard again.
 */
describe('quotes priced by customer value tier (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let nc: NatsConnection;
  let manager: string;
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(manager));
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  };

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'value-pricing');
    manager = await tenant.tokenFor('sales_manager');
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  it('prices a platinum customer from the platinum book and says so; others from the standard book', async () => {
    const admin = await tenant.tokenFor('admin');
    const asAdmin = async (query: string, variables: Record<string, unknown>) => {
      const res = await graphql(platform.graphqlUrl, query, variables, bearer(admin));
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data!;
    };
    const productId = (
      await asAdmin(`mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`, {
        i: { code: 'SEAT', name: 'Seat licence', standardPrices: [{ amount: '100.00', currency: 'EUR' }] },
      })
    ).createProduct.product.id;
    const book = (
      await asAdmin(`mutation($i: CreatePriceBookInput!) { createPriceBook(input: $i) { priceBook { id forTier } } }`, {
        i: { name: 'Platinum', forTier: 'platinum' },
      })
    ).createPriceBook.priceBook;
    expect(book.forTier).toBe('platinum');
    await asAdmin(`mutation($i: SetPricesInput!) { setPrices(input: $i) { __typename } }`, {
      i: { priceBookId: book.id, prices: [{ productId, unitPrice: { amount: '85.00', currency: 'EUR' } }] },
    });
    const twice = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          createPriceBook(input: { name: "Other", forTier: "PLATINUM" }) {
            priceBook {
              id
            }
          }
        }
      `,
      {},
      bearer(admin),
    );
    expect(twice.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'forTier' });

    const customer = async (lastName: string) => {
      const accountId = (
        await gql(`mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }`, { i: { name: lastName } })
      ).createAccount.account.id as string;
      const contactId = (
        await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, { i: { lastName, accountId } })
      ).createContact.contact.id as string;
      const opportunityId = (
        await gql(`mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } } }`, {
          i: {
            name: `Seats for ${lastName}`,
            accountId,
            primaryContactId: contactId,
            amount: { amount: '1000', currency: 'EUR' },
            closeDate: '2027-06-30',
          },
        })
      ).createOpportunity.opportunity.id as string;
      return { contactId, opportunityId };
    };
    const vip = await customer('Platinum-Customer');
    const plain = await customer('Ordinary-Customer');
    const quote = async (opportunityId: string, extra: Record<string, unknown> = {}) =>
      (await gql(QUOTE, { i: { opportunityId, lines: [{ productId, quantity: '10' }], ...extra } })).createQuote.quote;

    await publish(
      nc,
      event(tenant.id, CUSTOMER_TIER_CHANGED, vip.contactId, {
        contactId: vip.contactId,
        previousTier: null,
        tier: 'platinum',
        clv: { amount: '25000.00', currency: 'EUR' },
      }),
    );
    // The tier reaches sales within the projection delay.
    const deadline = Date.now() + 30_000;
    let priced = await quote(vip.opportunityId);
    while (priced.priceBook.name !== 'Platinum' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      priced = await quote(vip.opportunityId);
    }
    expect(priced).toMatchObject({
      priceBook: { name: 'Platinum', forTier: 'platinum' },
      lines: [{ unitPrice: { amount: '85.00' } }],
      total: { amount: '850.00' },
    });
    expect(priced.pricingReason).toBe(
      `Prices from "Platinum": the customer's value tier is platinum (customer lifetime value, from analytics).`,
    );
    const pdf = await fetch(`${platform.gateway.url}${priced.pdfUrl}`, { headers: bearer(manager) });
    expect(await pdfText(Buffer.from(await pdf.arrayBuffer()))).toContain("the customer's value tier is platinum");

    const standard = await quote(plain.opportunityId);
    expect(standard).toMatchObject({ priceBook: { name: 'Standard' }, pricingReason: null, total: { amount: '1000.00' } });

    // A book the caller names wins over the tier's.
    const standardId = (await gql(`query { priceBooks { id name } }`)).priceBooks.find((b: { name: string }) => b.name === 'Standard').id;
    expect(await quote(vip.opportunityId, { priceBookId: standardId })).toMatchObject({
      priceBook: { name: 'Standard' },
      pricingReason: null,
    });

    // Analytics no longer tiers her (e.g. every order cancelled): the next quote is standard again.
    await publish(
      nc,
      event(tenant.id, CUSTOMER_VALUE_CHANGED, vip.contactId, {
        contactId: vip.contactId,
        clv: null,
        tier: null,
        churnBand: null,
        churnRisk: null,
        pAlive: null,
        asOf: new Date().toISOString(),
      }),
    );
    const until = Date.now() + 30_000;
    let after = await quote(vip.opportunityId);
    while (after.priceBook.name !== 'Standard' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 300));
      after = await quote(vip.opportunityId);
    }
    expect(after).toMatchObject({ priceBook: { name: 'Standard' }, pricingReason: null });
  });
});
