import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { recordLatestTiers, type TierAt } from './latest-tiers';

/**
 * A batch stored in one statement ends exactly where storing its entries
 * one by one, in order, with the per-row upsert it replaced ends: per
 * contact the latest instant wins, a later entry wins a tie, a stored newer
 * tier is kept, a null tier is stored as null.
 */
describe('recordLatestTiers (PostgreSQL)', () => {
  const schema = `tiers_${randomUUID().slice(0, 6)}_${process.env.RAPPORT_TEST_RUN_ID}`;
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, extra: { max: 1, options: `-c search_path=${schema}` } });
    await ds.initialize();
    await ds.query(`CREATE SCHEMA "${schema}"`);
    for (const table of ['batched', 'one_by_one'])
      await ds.query(
        `CREATE TABLE ${table} (tenant_id uuid NOT NULL, contact_id uuid NOT NULL, tier text, changed_at timestamptz(3) NOT NULL,
          PRIMARY KEY (tenant_id, contact_id))`,
      );
  });

  afterAll(async () => {
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  const oneByOne = async (tenant: string, tiers: readonly TierAt[]) => {
    for (const { contactId, tier, at } of tiers)
      await ds.query(
        `INSERT INTO one_by_one (tenant_id, contact_id, tier, changed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, contact_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
          WHERE one_by_one.changed_at <= EXCLUDED.changed_at`,
        [tenant, contactId, tier, at],
      );
  };

  const stored = (table: string): Promise<unknown[]> =>
    ds.query(`SELECT tenant_id, contact_id, tier, changed_at FROM ${table} ORDER BY tenant_id, contact_id`);

  const contacts = Array.from({ length: 5 }, () => randomUUID());
  // Few contacts, tiers and instants: repeats, ties and older entries after newer ones are the point.
  const entry = fc.record({
    contactId: fc.constantFrom(...contacts),
    tier: fc.constantFrom<string | null>('platinum', 'gold', 'silver', null),
    at: fc.integer({ min: 0, max: 3 }).map((s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))),
  });

  it('ends where the entries applied one by one end, batch after batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entry, { maxLength: 10 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        await ds.query(`TRUNCATE batched, one_by_one`);
        for (const batch of batches) {
          await ds.transaction((em) => recordLatestTiers(em, 'batched', tenantId, batch));
          await oneByOne(tenantId, batch);
        }
        expect(await stored('batched')).toEqual(await stored('one_by_one'));
      }),
      { numRuns: 150 },
    );
  });

  it('writes only the given tenant, and an empty batch writes nothing', async () => {
    await ds.query(`TRUNCATE batched`);
    const at = new Date(Date.UTC(2026, 0, 1));
    await ds.transaction((em) => recordLatestTiers(em, 'batched', otherTenant, [{ contactId: contacts[0], tier: 'gold', at }]));
    await ds.transaction((em) => recordLatestTiers(em, 'batched', tenantId, [{ contactId: contacts[0], tier: 'silver', at }]));
    await ds.transaction((em) => recordLatestTiers(em, 'batched', tenantId, []));
    const rows: { tenant_id: string; tier: string }[] = await ds.query(`SELECT tenant_id, tier FROM batched ORDER BY tier`);
    expect(rows).toEqual([
      { tenant_id: otherTenant, tier: 'gold' },
      { tenant_id: tenantId, tier: 'silver' },
    ]);
  });
});
