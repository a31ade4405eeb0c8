import { bearer, graphql, pdfText } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

/** A quote in four scripts, its PDF fetched through the gateway and read back as text. */
describe('quote PDF in any script (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let manager: string;
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(manager));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'unicode');
    manager = await tenant.tokenFor('sales_manager');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('prints Latin, Cyrillic, Greek and CJK line items, customer and notes as the characters given', async () => {
    const { createProduct } = await gql(`mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`, {
      i: { code: 'P-1', name: 'Part', unit: 'шт', standardPrices: [{ amount: '10.00', currency: 'EUR' }] },
    });
    const productId = createProduct.product.id;
    const { createAccount } = await gql(`mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }`, {
      i: { name: '北京贸易有限公司' },
    });
    const { createContact } = await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
      i: { firstName: 'Иван', lastName: 'Петров', accountId: createAccount.account.id },
    });
    const { createOpportunity } = await gql(
      `mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } } }`,
      {
        i: {
          name: 'Μεγάλη παραγγελία',
          accountId: createAccount.account.id,
          primaryContactId: createContact.contact.id,
          amount: { amount: '100', currency: 'EUR' },
          closeDate: '2027-03-31',
        },
      },
    );
    const descriptions = ['Crème brûlée façon Noël', 'Гайка шестигранная М8', 'Βίδα ανοξείδωτη', '不锈钢螺丝 (日本製)'];
    const { createQuote } = await gql(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { quote { id pdfUrl } } }`, {
      i: {
        opportunityId: createOpportunity.opportunity.id,
        notes: 'Спасибо! Ευχαριστούμε! 谢谢！',
        lines: descriptions.map((description) => ({ productId, quantity: '1', description })),
      },
    });

    const res = await fetch(`${platform.gateway.url}${createQuote.quote.pdfUrl}`, { headers: bearer(manager) });
    expect(res.status).toBe(200);
    const text = await pdfText(Buffer.from(await res.arrayBuffer()));
    for (const expected of [...descriptions, '北京贸易有限公司', 'Иван Петров', 'Спасибо! Ευχαριστούμε! 谢谢！', '1 шт'])
      expect(text).toContain(expected);
  });
});
