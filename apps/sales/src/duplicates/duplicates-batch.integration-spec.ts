import { randomUUID } from 'node:crypto';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ImportService } from '../import/import.service';
import { salesDefinition } from '../sales.definition';
import { DuplicatesService, type DuplicateProbe } from './duplicates.service';

/**
 * An import batch's duplicate check (findBatch over all its rows at once,
 * each distinct name looked up once) gives every row the verdict it gets
 * alone (findBatch over that row only, as a single create checks it): same
 * candidates, scores and rules, on a sample where names, e-mails, phones and
 * account names repeat within the batch and against existing contacts.
 */
describe('contact duplicate checks for a batch', () => {
  let sales: StartedService;
  const tenantId = randomUUID();
  const manager = userPrincipal(tenantId, ['sales_manager']);
  const get = <T>(type: new (...args: never[]) => T): T => sales.app.get(type);
  const FIRST = ['Anna', 'Ben', 'Clara', 'Anne'];
  const LAST = ['Schmidt', 'Schmitt', 'Meyer', 'Meier', 'Weber'];

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `dupbatch_${process.env.RAPPORT_TEST_RUN_ID}` });
    const acme = await get(AccountsService).create(manager, { name: 'Acme Trading' });
    await get(AccountsService).create(manager, { name: 'Acme Trade' });
    await get(AccountsService).create(manager, { name: 'Globex' });
    expect(acme.id).toBeTruthy();
    const header = ['First', 'Last', 'Email', 'Phone', 'Account'];
    const rows = Array.from({ length: 40 }, (_, i) => [
      FIRST[i % FIRST.length],
      LAST[i % LAST.length],
      `known${i}@dup.test`,
      `+49301234${String(i).padStart(3, '0')}`,
      i % 3 === 0 ? 'Acme Trading' : i % 3 === 1 ? 'Globex' : '',
    ]);
    const seeded = await get(ImportService).importRecords(manager, {
      kind: 'CONTACT',
      header,
      mapping: [
        { column: 'First', field: 'firstName' },
        { column: 'Last', field: 'lastName' },
        { column: 'Email', field: 'email' },
        { column: 'Phone', field: 'phone' },
        { column: 'Account', field: 'accountName' },
      ],
      rows,
      options: { duplicatePolicy: 'ALLOW' },
    });
    expect(seeded.created).toBe(40);
  });

  afterAll(() => sales?.close());

  it('gives each row of a batch the candidates it gets alone', async () => {
    const accounts: { id: string; name: string }[] = await get(ServiceDatabase).withTenant(tenantId, (em) =>
      em.query(`SELECT id, name FROM accounts ORDER BY name`),
    );
    const probes: DuplicateProbe[] = Array.from({ length: 90 }, (_, i) => ({
      firstName: i % 7 === 0 ? null : FIRST[(i * 3) % FIRST.length],
      lastName: i % 11 === 0 ? null : LAST[(i * 7) % LAST.length],
      emails: i % 4 === 0 ? [`known${i % 40}@dup.test`] : [`new${i}@dup.test`],
      phones: i % 5 === 0 ? [`+49301234${String(i % 40).padStart(3, '0')}`] : [],
      ...(i % 6 === 0 ? { accountId: accounts[i % accounts.length].id } : {}),
      accountName: i % 6 === 1 ? 'acme trade' : i % 6 === 2 ? 'Globex' : null,
    }));
    const duplicates = get(DuplicatesService);
    const { batch, alone } = await get(ServiceDatabase).withTenant(tenantId, async (em) => {
      const config = await duplicates.rulesWithin(em);
      const batch = await duplicates.findBatch(em, config, probes);
      const alone = [];
      for (const probe of probes) alone.push((await duplicates.findBatch(em, config, [probe]))[0]);
      return { batch, alone };
    });
    expect(batch).toEqual(alone);
    // The sample exercises every rule, and repeated names with several candidates each.
    const rules = new Set(batch.flat().map((c) => c.rule));
    expect([...rules].sort()).toEqual(['EXACT_EMAIL', 'FUZZY_NAME', 'NORMALISED_PHONE']);
    expect(batch.filter((c) => c.length > 1).length).toBeGreaterThan(10);
  });
});
