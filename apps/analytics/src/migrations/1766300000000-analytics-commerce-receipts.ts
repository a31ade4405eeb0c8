import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: receipts of the events recorded through `recordCommerceEvents`,
 * one per (tenant, source, caller's event id). A repeated event finds its
 * receipt and is answered "already recorded" without being published again;
 * NATS' duplicate window is minutes, a partner's retry may come days later.
 */
export class AnalyticsCommerceReceipts1766300000000 implements MigrationInterface {
  name = 'AnalyticsCommerceReceipts1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE commerce_event_receipts (
      tenant_id uuid NOT NULL,
      source text NOT NULL,
      event_id text NOT NULL,
      type text NOT NULL,
      recorded_at timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, source, event_id)
    )`);
    await enableTenantRls(q, 'commerce_event_receipts');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS commerce_event_receipts`);
  }
}
