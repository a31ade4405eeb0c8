import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform } from '../harness/platform';

/**
 * The flow counters operators chart (k8s/grafana): a change made through the
 * gateway is counted where it is published and where every consumer applies
 * it, and each service registers the counters of the flows it owns.
 */
describe('flow counters on the services’ /metrics', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  });

  afterAll(() => platform?.stop());

  const metrics = async (service: string) => (await fetch(`${platform.services[service].url}/metrics`)).text();
  const sample = (text: string, name: string, labels: Record<string, string>) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

  it('counts an event where it is published and where each consumer applies it', async () => {
    const tenant = await createTenant(platform, 'flowcount');
    const token = await tenant.tokenFor('admin');
    const before = sample(await metrics('sales'), 'rapport_events_published_total', { type: 'sales.contact.created' });
    const created = await graphql(
      platform.graphqlUrl,
      `
        mutation ($i: CreateContactInput!) {
          createContact(input: $i) {
            contact {
              id
            }
          }
        }
      `,
      { i: { lastName: 'Counted' } },
      bearer(token),
    );
    expect(created.errors).toBeUndefined();

    const deadline = Date.now() + 30_000;
    let published = 0;
    let applied = 0;
    while (Date.now() < deadline) {
      published = sample(await metrics('sales'), 'rapport_events_published_total', { type: 'sales.contact.created' });
      applied = sample(await metrics('marketing'), 'rapport_events_consumed_total', { type: 'sales.contact.created', outcome: 'applied' });
      if (published > before && applied > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(published).toBeGreaterThan(before);
    expect(applied).toBeGreaterThan(0);
  });

  it('registers each owner’s flow counters: webhook deliveries, SLA timers, campaign sends', async () => {
    expect(await metrics('identity')).toContain('# TYPE rapport_webhook_deliveries_total counter');
    expect(await metrics('service')).toContain('# TYPE rapport_sla_timers_fired_total counter');
    expect(await metrics('marketing')).toContain('# TYPE rapport_campaign_sends_total counter');
  });
});
