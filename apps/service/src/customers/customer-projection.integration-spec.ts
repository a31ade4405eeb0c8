import { randomUUID } from 'node:crypto';
import type { ContactSnapshotV1 } from '@rapport/contracts';
import { TenantDatabase } from '@rapport/persistence';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { ServiceAppModule } from '../app.module';
import { serviceDefinition } from '../service.definition';
import { applyContactSnapshots } from './customer-projection';

const ENV = { DB_SCHEMA_SUFFIX: `cproj_${process.env.RAPPORT_TEST_RUN_ID}` };

/**
 * A run of contact snapshots (one consumer batch) ends as applying them one
 * after the other would: the newest by sales' updatedAt stands (of equal
 * ones the later), with its account, owner and addresses; a stored row
 * newer than all of them is left alone, addresses included.
 */
describe("service's contact projection, a run of snapshots at a time", () => {
  let service: StartedService;
  const tenantId = randomUUID();
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
  const snapshot = (id: string, minute: number, emails: string[], accountId: string | null = null): ContactSnapshotV1 =>
    ({ id, accountId, ownerId: null, emails, updatedAt: at(minute) }) as unknown as ContactSnapshotV1;
  const apply = (snapshots: ContactSnapshotV1[]) =>
    service.app.get(TenantDatabase).withTenant(tenantId, (em) => applyContactSnapshots(em, tenantId, snapshots));
  const stored = (id: string) =>
    service.app.get(TenantDatabase).withTenant(tenantId, async (em) => {
      const [row]: { account_id: string | null; sales_updated_at: Date }[] = await em.query(
        `SELECT account_id, sales_updated_at FROM customer_contacts WHERE id = $1`,
        [id],
      );
      const emails: { email: string }[] = await em.query(
        `SELECT email FROM customer_contact_emails WHERE contact_id = $1 ORDER BY position`,
        [id],
      );
      return { accountId: row?.account_id ?? null, updatedAt: row?.sales_updated_at.toISOString(), emails: emails.map((e) => e.email) };
    });

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
  });

  afterAll(() => service?.close());

  it('keeps the snapshot that would stand last, with its addresses', async () => {
    const [created, older, tie, kept] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const account = randomUUID();
    await apply([snapshot(kept, 30, ['Kept@Example.com'])]);

    await apply([
      snapshot(created, 1, ['first@example.com']),
      snapshot(created, 2, [' Second@Example.com ', 'second@example.com', 'no-at-sign', 'third@example.com'], account),
      snapshot(older, 5, ['newer@example.com']),
      snapshot(older, 4, ['older@example.com']),
      snapshot(tie, 7, ['one@example.com']),
      snapshot(tie, 7, ['two@example.com']),
      snapshot(kept, 20, ['stale@example.com']),
    ]);

    expect(await stored(created)).toEqual({ accountId: account, updatedAt: at(2), emails: ['second@example.com', 'third@example.com'] });
    expect(await stored(older)).toEqual({ accountId: null, updatedAt: at(5), emails: ['newer@example.com'] });
    expect(await stored(tie)).toEqual({ accountId: null, updatedAt: at(7), emails: ['two@example.com'] });
    expect(await stored(kept)).toEqual({ accountId: null, updatedAt: at(30), emails: ['kept@example.com'] });
  });

  it('replaces a contact’s addresses whole, also with none', async () => {
    const id = randomUUID();
    await apply([snapshot(id, 1, ['a@example.com', 'b@example.com'])]);
    await apply([snapshot(id, 2, [])]);
    expect(await stored(id)).toEqual({ accountId: null, updatedAt: at(2), emails: [] });
  });
});
