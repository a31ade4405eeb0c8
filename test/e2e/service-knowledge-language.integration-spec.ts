import { bearer, graphql } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

const CREATE_ARTICLE = `mutation($input: CreateKnowledgeArticleInput!) { createKnowledgeArticle(input: $input) { article { id } } }`;
const PUBLISH = `mutation($id: ID!) { publishKnowledgeArticle(articleId: $id) { version { status } } }`;
const SEARCH = `query($q: String!, $l: String) { searchArticles(query: $q, locale: $l) { edges { node { id } } } }`;

/**
 * Knowledge search stems each article in the language of its own locale:
 * in one tenant a German article is found by another form of its German
 * words, and an English one by another form of its English words.
 */
describe('knowledge search language follows the article locale (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;

  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'polyglot');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('finds German and English articles by other forms of their words, each in its own language', async () => {
    const admin = await tenant.tokenFor('admin');
    const manager = await tenant.tokenFor('support_manager');
    const publish = async (locale: string, title: string, body: string) => {
      const created = await ok(admin, CREATE_ARTICLE, { input: { locale, title, body } });
      const id = created.createKnowledgeArticle.article.id as string;
      await ok(manager, PUBLISH, { id });
      return id;
    };
    const german = await publish('de-DE', 'Rechnungen herunterladen', 'Alle Rechnungen finden Sie im Kundenkonto unter Dokumente.');
    const english = await publish('en', 'Downloading invoices', 'All invoices are in your account under Documents.');
    // The tenant's own setting stays English (the default): only the article's locale makes the German stemming.
    expect((await ok(admin, `{ knowledgeSearchLanguage }`)).knowledgeSearchLanguage).toBe('english');

    const found = async (token: string, q: string, l?: string) =>
      ((await ok(token, SEARCH, { q, l })).searchArticles.edges as { node: { id: string } }[]).map((e) => e.node.id);
    // "Rechnung" (singular) stems to the same German word as "Rechnungen"; English stemming keeps them apart.
    expect(await found(manager, 'Rechnung')).toEqual([german]);
    expect(await found(manager, 'Dokument finden')).toEqual([german]);
    expect(await found(manager, 'invoice downloaded')).toEqual([english]);
    expect(await found(manager, 'Rechnung', 'en')).toEqual([]);

    // A customer reading German finds it the same way.
    const contact = await ok(admin, `mutation { createContact(input: { lastName: "Meier" }) { contact { id } } }`);
    const customer = await customerToken(platform, tenant, contact.createContact.contact.id);
    expect(await found(customer, 'Rechnung', 'de')).toEqual([german]);
  });
});
