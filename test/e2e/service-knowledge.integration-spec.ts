import { bearer, graphql } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

const CREATE_ARTICLE = `mutation($input: CreateKnowledgeArticleInput!) {
  createKnowledgeArticle(input: $input) { version { id version status } article { id } }
}`;
const PUBLISH = `mutation($id: ID!) { publishKnowledgeArticle(articleId: $id) { version { version status } } }`;
const SEARCH = `query($q: String!) {
  searchArticles(query: $q) { edges { rank node { id published { title body } draft { title } versions { version } } } pageInfo { hasNextPage } }
}`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id status } } }`;
const SUGGESTED = `query($id: ID!) { suggestedArticles(caseId: $id) { node { id published { title } } } }`;
const COMMENT = `mutation($input: AddCaseCommentInput!) { addCaseComment(input: $input) { comment { id } } }`;
const STATUS = `mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { case { status resolvedAt } } }`;
const RATE = `mutation($input: RateCaseInput!) { rateCase(input: $input) { satisfaction { rating comment answeredAt } } }`;
const CASE = `query($id: ID!) { case(id: $id) { status satisfaction { rating comment } } }`;
const METRICS = `query($p: MetricsPeriod!) {
  serviceMetrics(period: $p) {
    overall {
      backlog { status count }
      firstResponse { count }
      resolution { count }
      satisfaction { requests responses average responseRate }
    }
    byAgent { agent { id } satisfaction { average } }
  }
}`;

/**
 * Self-service knowledge and satisfaction through the gateway: a customer
 * finds published help (never drafts), opens a case, an agent answers and
 * resolves it, the customer rates the resolution, and the support manager
 * sees the rating in the service metrics.
 */
describe('knowledge and satisfaction through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;

  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));
  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(token, query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'helpcenter');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('a customer searches published articles, opens a case, rates its resolution, and the manager sees the rating', async () => {
    const admin = await tenant.tokenFor('admin');
    const manager = await tenant.tokenFor('support_manager');
    const agent = await tenant.tokenFor('support_agent');
    const contact = await ok(
      admin,
      `mutation { createContact(input: { lastName: "Hopper", emails: ["grace@helpcenter.test"] }) { contact { id } } }`,
    );
    const customer = await customerToken(platform, tenant, contact.createContact.contact.id);

    const live = await ok(agent, CREATE_ARTICLE, {
      input: { title: 'Resetting your router', body: 'Hold the **reset** button for ten seconds.', tags: ['network'] },
    });
    const liveId = live.createKnowledgeArticle.article.id;
    await ok(manager, PUBLISH, { id: liveId });
    const draft = await ok(agent, CREATE_ARTICLE, {
      input: { title: 'Router recall (draft)', body: 'Internal: router batch 7 is faulty.' },
    });
    const draftId = draft.createKnowledgeArticle.article.id;
    // Agents write drafts; only managers publish.
    expect((await gql(agent, PUBLISH, { id: draftId })).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const found = await ok(customer, SEARCH, { q: 'router' });
    expect(found.searchArticles.edges).toEqual([
      {
        rank: expect.any(Number),
        node: {
          id: liveId,
          published: { title: 'Resetting your router', body: 'Hold the **reset** button for ten seconds.' },
          draft: null,
          versions: [{ version: 1 }],
        },
      },
    ]);
    expect((await ok(customer, `query($id: ID!) { knowledgeArticle(id: $id) { id } }`, { id: draftId })).knowledgeArticle).toBeNull();
    expect((await ok(customer, SEARCH, { q: 'faulty batch' })).searchArticles.edges).toEqual([]);

    const opened = await ok(customer, OPEN_CASE, {
      input: { subject: 'Router keeps dropping', description: 'The router loses the connection every hour.' },
    });
    const caseId = opened.openCase.case.id;
    const suggested = await ok(customer, SUGGESTED, { id: caseId });
    expect(suggested.suggestedArticles).toEqual([{ node: { id: liveId, published: { title: 'Resetting your router' } } }]);

    await ok(agent, COMMENT, { input: { caseId, body: 'Please hold the reset button for ten seconds.', visibility: 'PUBLIC' } });
    const resolved = await ok(agent, STATUS, { input: { caseId, status: 'RESOLVED' } });
    expect(resolved.changeCaseStatus.case.status).toBe('RESOLVED');

    expect((await ok(customer, CASE, { id: caseId })).case).toEqual({ status: 'RESOLVED', satisfaction: { rating: null, comment: null } });
    const rated = await ok(customer, RATE, { input: { caseId, rating: 4, comment: 'Quick and friendly' } });
    expect(rated.rateCase.satisfaction).toMatchObject({ rating: 4, comment: 'Quick and friendly' });
    const again = await gql(customer, RATE, { input: { caseId, rating: 1 } });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await gql(agent, RATE, { input: { caseId, rating: 5 } })).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const now = Date.now();
    const period = { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() };
    const metrics = await ok(manager, METRICS, { p: period });
    expect(metrics.serviceMetrics.overall).toEqual({
      backlog: [
        { status: 'NEW', count: 0 },
        { status: 'OPEN', count: 0 },
        { status: 'PENDING_CUSTOMER', count: 0 },
      ],
      firstResponse: { count: 1 },
      resolution: { count: 1 },
      satisfaction: { requests: 1, responses: 1, average: 4, responseRate: 100 },
    });
    // The case was never assigned (no queues): the rating shows under the unassigned group.
    expect(metrics.serviceMetrics.byAgent).toEqual([{ agent: null, satisfaction: { average: 4 } }]);
    expect((await gql(customer, METRICS, { p: period })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('a customer searches in their locale; an unpublished article disappears for them and stays for the team', async () => {
    const admin = await tenant.tokenFor('admin');
    const manager = await tenant.tokenFor('support_manager');
    const contact = await ok(admin, `mutation { createContact(input: { lastName: "Meier" }) { contact { id } } }`);
    const customer = await customerToken(platform, tenant, contact.createContact.contact.id);
    const article = async (title: string, locale: string) => {
      const draft = await ok(manager, CREATE_ARTICLE, { input: { title, body: 'Modem lights explained.', locale } });
      await ok(manager, PUBLISH, { id: draft.createKnowledgeArticle.article.id });
      return draft.createKnowledgeArticle.article.id as string;
    };
    const german = await article('Modem-Lampen', 'de');
    const english = await article('Modem lights', 'en');
    const FIND = `query($l: String) { searchArticles(query: "modem", locale: $l) { edges { node { id status } } } }`;
    const found = async (token: string, l?: string) =>
      (await ok(token, FIND, { l })).searchArticles.edges.map((e: { node: { id: string } }) => e.node.id).sort();

    expect(await found(customer)).toEqual([english]); // the tenant default, en
    expect(await ok(customer, `mutation { setMyKnowledgeLocale(locale: "de-CH") }`)).toEqual({ setMyKnowledgeLocale: 'de-CH' });
    expect(await ok(customer, `{ knowledgeLocale }`)).toEqual({ knowledgeLocale: 'de-CH' });
    expect(await found(customer)).toEqual([german]);
    expect(await found(manager)).toEqual([german, english].sort());

    const down = await ok(
      manager,
      `mutation($id: ID!) { unpublishKnowledgeArticle(articleId: $id) { version { status } article { status unpublishedAt } } }`,
      {
        id: german,
      },
    );
    expect(down.unpublishKnowledgeArticle).toMatchObject({ version: { status: 'RETIRED' }, article: { status: 'UNPUBLISHED' } });
    expect(await found(customer)).toEqual([]);
    expect((await ok(customer, `query($id: ID!) { knowledgeArticle(id: $id) { id } }`, { id: german })).knowledgeArticle).toBeNull();
    expect(
      (await ok(manager, `query($id: ID!) { knowledgeArticle(id: $id) { status published { id } versions { status } } }`, { id: german }))
        .knowledgeArticle,
    ).toEqual({
      status: 'UNPUBLISHED',
      published: null,
      versions: [{ status: 'RETIRED' }],
    });
  });
});
