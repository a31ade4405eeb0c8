import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { KnowledgeSearch } from '../knowledge/knowledge-search.service';
import { KnowledgeSettings } from '../knowledge/knowledge-settings.service';
import { KnowledgeService } from '../knowledge/knowledge.service';
import { serviceDefinition } from '../service.definition';

describe('service: unpublishing knowledge articles and searching by locale', () => {
  let service: StartedService;

  const as = (tenantId: string, roles: Principal['roles'], kind: Principal['kind'] = 'user'): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles,
    scopes: [],
    contactId: kind === 'customer' ? randomUUID() : null,
  });
  const knowledge = () => service.app.get(KnowledgeService);
  const searching = () => service.app.get(KnowledgeSearch);
  const settings = () => service.app.get(KnowledgeSettings);
  const ids = (page: { edges: { node: { id: string } }[] }) => page.edges.map((e) => e.node.id).sort();

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition);
  });

  afterAll(async () => {
    await service?.close();
  });

  async function published(manager: Principal, title: string, body: string, locale = 'en') {
    const draft = await knowledge().create(manager, { title, body, locale });
    return knowledge().publish(manager, draft.articleId);
  }

  it('takes a published article away from customers, search and suggestions, keeps its versions, and can bring it back', async () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['support_manager']);
    const agent = as(tenantId, ['support_agent']);
    const customer = as(tenantId, ['customer'], 'customer');
    const live = await published(manager, 'Recall of the X100 kettle', 'Kettles of the X100 batch must be returned.');
    const articleId = live.articleId;
    const kase = await service.app.get(CasesService).open(customer, { subject: 'My X100 kettle leaks' });
    expect(ids(await searching().search(customer, { query: 'kettle' }))).toEqual([articleId]);
    expect((await searching().suggested(customer, kase.id)).map((h) => h.node.id)).toEqual([articleId]);
    // A draft of the next version is under way when the article is taken down.
    await knowledge().update(agent, articleId, { body: 'The recall is over.' });

    await expect(knowledge().unpublish(agent, articleId)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const withdrawn = await knowledge().unpublish(manager, articleId);
    expect(withdrawn).toMatchObject({ id: live.id, version: 1, status: 'RETIRED' });
    await expect(knowledge().unpublish(manager, articleId)).rejects.toMatchObject({ extensions: { code: 'CONFLICT', field: 'articleId' } });

    // Gone for customers — by id, in search, in suggestions — and for staff searches too.
    expect(await knowledge().get(customer, articleId)).toBeNull();
    expect((await knowledge().versions(customer, [articleId])).get(articleId)).toEqual([]);
    expect((await searching().search(customer, { query: 'kettle' })).edges).toEqual([]);
    expect((await searching().search(agent, { query: 'kettle' })).edges).toEqual([]);
    expect(await searching().suggested(customer, kase.id)).toEqual([]);
    // Kept for the team, with every version.
    const kept = await knowledge().get(agent, articleId);
    expect(kept).toMatchObject({ id: articleId, status: 'UNPUBLISHED' });
    expect(kept!.unpublishedAt).toBeInstanceOf(Date);
    expect((await knowledge().versions(agent, [articleId])).get(articleId)!.map((v) => [v.version, v.status])).toEqual([
      [2, 'DRAFT'],
      [1, 'RETIRED'],
    ]);

    // Publishing the draft brings the article back.
    await knowledge().publish(manager, articleId);
    expect(await knowledge().get(customer, articleId)).toMatchObject({ status: 'PUBLISHED', unpublishedAt: null });
    expect(ids(await searching().search(customer, { query: 'recall' }))).toEqual([articleId]);
  });

  it('filters search and suggestions by locale; customers search their own locale or the tenant default', async () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['support_manager']);
    const agent = as(tenantId, ['support_agent']);
    const customer = as(tenantId, ['customer'], 'customer');
    const byLocale: Record<string, string> = {};
    for (const locale of ['en', 'de', 'de-CH', 'de-AT', 'fr']) {
      byLocale[locale] = (await published(manager, `Rapportix router (${locale})`, 'Rapportix router manual.', locale)).articleId;
    }
    const of = (...locales: string[]) => locales.map((l) => byLocale[l]).sort();
    const search = (who: Principal, locale?: string) => searching().search(who, { query: 'rapportix', locale });

    // Staff: every locale unless they name one; a tag finds its more specific and its more general forms.
    expect(ids(await search(agent))).toEqual(of('en', 'de', 'de-CH', 'de-AT', 'fr'));
    expect(ids(await search(agent, 'de'))).toEqual(of('de', 'de-CH', 'de-AT'));
    expect(ids(await search(agent, 'de-ch'))).toEqual(of('de', 'de-CH'));
    await expect(search(agent, 'de_CH')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'locale' } });

    // Customers: the tenant default (en until set), then their own choice; naming a locale still works.
    expect(await settings().myLocale(customer)).toBe('en');
    expect(ids(await search(customer))).toEqual(of('en'));
    await settings().setDefaultLocale(manager, 'fr');
    expect(ids(await search(customer))).toEqual(of('fr'));
    await expect(settings().setMyLocale(agent, 'de')).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(settings().setDefaultLocale(agent, 'de')).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await settings().setMyLocale(customer, 'de-CH');
    expect(await settings().myLocale(customer)).toBe('de-CH');
    expect(ids(await search(customer))).toEqual(of('de', 'de-CH'));
    expect(ids(await search(customer, 'en'))).toEqual(of('en'));
    // Another customer of the tenant keeps the default.
    expect(ids(await search(as(tenantId, ['customer'], 'customer')))).toEqual(of('fr'));

    // Suggestions follow the same rule.
    const kase = await service.app.get(CasesService).open(customer, { subject: 'Rapportix router blinks' });
    expect((await searching().suggested(customer, kase.id)).map((h) => h.node.id).sort()).toEqual(of('de', 'de-CH'));
    expect((await searching().suggested(agent, kase.id, 10)).map((h) => h.node.id).sort()).toEqual(of('en', 'de', 'de-CH', 'de-AT', 'fr'));
    expect((await searching().suggested(agent, kase.id, 10, 'fr')).map((h) => h.node.id)).toEqual(of('fr'));
  });
});
