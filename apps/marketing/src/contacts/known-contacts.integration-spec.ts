import { randomUUID } from 'node:crypto';
import { ServiceDatabase, WaitBudget, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { KnownContacts } from './known-contacts';

/**
 * The wait for contacts not yet projected is the request's, on the real read
 * model. The budget's clock is the test's: each reading moves it one second,
 * so how many looks a call takes is exact, whatever the machine's speed
 * (every look at the table reads the clock once).
 */
describe('KnownContacts: one wait per request', () => {
  let marketing: StartedService;
  let known: KnownContacts;
  const tenantId = randomUUID();
  const projected = randomUUID();

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    known = marketing.app.get(KnownContacts);
    await marketing.app
      .get(ServiceDatabase)
      .withTenant(tenantId, (em) =>
        em.query(`INSERT INTO contacts (tenant_id, id, last_name, sales_updated_at) VALUES ($1, $2, 'Known', now())`, [
          tenantId,
          projected,
        ]),
      );
  });

  afterAll(() => marketing?.close());

  function steppingClock() {
    let t = 0;
    let readings = 0;
    return {
      now: () => {
        readings += 1;
        t += 1000;
        return t;
      },
      readings: () => readings,
    };
  }

  it('spends the budget on the first unknown id, and later ids in the request get one look and no wait', async () => {
    const clock = steppingClock();
    const budget = new WaitBudget(3000, clock.now);

    const before = clock.readings();
    expect(await known.known(tenantId, [randomUUID()], budget)).toEqual(new Set());
    // 3 s of budget at one second per look: it looked three times.
    expect(clock.readings() - before).toBe(3);

    // Before, each call started its own 3 s; now the second and third find the budget spent.
    for (const id of [randomUUID(), randomUUID()]) {
      const start = clock.readings();
      await expect(known.require(tenantId, id, 'input.contactId', budget)).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'input.contactId' },
      });
      expect(clock.readings() - start).toBe(1);
    }
  });

  it('still finds a projected contact with a spent budget (the one look sees it)', async () => {
    const clock = steppingClock();
    const budget = new WaitBudget(0, clock.now);
    expect(budget.spent).toBe(true);
    expect(await known.known(tenantId, [projected], budget)).toEqual(new Set([projected]));
  });
});
