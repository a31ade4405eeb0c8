import {
  applyMerge,
  applyUnmerge,
  createMergeMembersTable,
  CUSTOMER_RECORD_COLUMNS,
  upsertSnapshots,
  type CustomerTable,
} from '@rapport/customer-master';
import { enableTenantRls, type TenantDatabase } from '@rapport/persistence';
import { scratchDatabase } from '@rapport/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { deliveryArb, salesHistory, stepsArb, type MasterEvent } from './sales-history';

/**
 * Property: whatever sales did (random creates, merges, nested merges and
 * unmerges within sales' rules) and however the events arrive (reordered,
 * some twice), the projection ends with sales' survivor for every id.
 */

const CONTACTS: CustomerTable = { kind: 'CONTACT', table: 'cm_contacts' };

class ScratchCustomerMaster1765200000000 implements MigrationInterface {
  name = 'ScratchCustomerMaster1765200000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE cm_contacts (${CUSTOMER_RECORD_COLUMNS}, PRIMARY KEY (tenant_id, id))`);
    await enableTenantRls(q, 'cm_contacts');
    await createMergeMembersTable(q);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cm_contacts, customer_merge_members`);
  }
}

async function applyEvent(em: EntityManager, tenantId: string, e: MasterEvent): Promise<void> {
  if (e.type === 'created') await upsertSnapshots(em, tenantId, CONTACTS, [], [{ id: e.id, updatedAt: e.at }]);
  else if (e.type === 'merged') await applyMerge(em, tenantId, CONTACTS, { ...e, mergedAt: e.at });
  else await applyUnmerge(em, tenantId, CONTACTS, { ...e, unmergedAt: e.at });
}

describe('customer master: every projection reaches sales’ survivor (property)', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let tenantDb: TenantDatabase;

  beforeAll(async () => {
    db = await scratchDatabase('customer_master', [ScratchCustomerMaster1765200000000]);
    tenantDb = db.tenantDb;
  });
  afterAll(() => db?.drop());

  it('library: random histories, reordered and redelivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        stepsArb.chain((steps) => {
          const history = salesHistory(steps);
          return deliveryArb(history.events.length).map((delivery) => ({ history, delivery }));
        }),
        async ({ history, delivery }) => {
          const tenantId = randomUUID();
          for (const i of delivery) await tenantDb.withTenant(tenantId, (em) => applyEvent(em, tenantId, history.events[i]));
          const rows: { id: string; survivor: string }[] = await tenantDb.withTenant(tenantId, (em) =>
            em.query(`SELECT id, coalesce(merged_into, id) AS survivor FROM cm_contacts`),
          );
          const projected = new Map(rows.map((r) => [r.id, r.survivor]));
          for (const [id, survivor] of history.survivors) expect({ id, survivor: projected.get(id) }).toEqual({ id, survivor });
        },
      ),
      { numRuns: 60, seed: Number(process.env.PROPERTY_SEED ?? 20261206) },
    );
  });
});
