import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AnalyticsChurnSignals1764500000000 implements MigrationInterface {
  name = 'AnalyticsChurnSignals1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // Projection of service cases (service.case.* events): just enough to count
    // a contact's open complaints. `status_at` is the instant of the event that
    // set the status, so a redelivered older event never undoes a newer one.
    await q.query(`CREATE TABLE contact_cases (
      tenant_id uuid NOT NULL,
      case_id uuid NOT NULL,
      contact_id uuid,
      category text NOT NULL,
      status text NOT NULL,
      status_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, case_id)
    )`);
    await q.query(
      `CREATE INDEX contact_cases_open_complaints ON contact_cases (tenant_id, contact_id)
        WHERE category = 'COMPLAINT' AND status NOT IN ('RESOLVED', 'CLOSED')`,
    );
    await enableTenantRls(q, 'contact_cases');

    // The signals behind each customer's churn risk (see libs/clv churn-risk.ts).
    await q.query(`ALTER TABLE customer_values ADD COLUMN open_complaints int NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE customer_values ADD COLUMN activity_trend float8`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_values DROP COLUMN IF EXISTS activity_trend`);
    await q.query(`ALTER TABLE customer_values DROP COLUMN IF EXISTS open_complaints`);
    await q.query(`DROP TABLE IF EXISTS contact_cases`);
  }
}
