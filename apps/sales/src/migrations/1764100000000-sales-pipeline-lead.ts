import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Pipelines with ordered stages, opportunities with their stage history, and leads. */
export class SalesPipelineLead1764100000000 implements MigrationInterface {
  name = 'SalesPipelineLead1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE pipelines (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    // At most one default per tenant: the target of the idempotent "create on first use".
    await q.query(`CREATE UNIQUE INDEX pipelines_one_default ON pipelines (tenant_id) WHERE is_default`);
    await q.query(`CREATE UNIQUE INDEX pipelines_name_unique ON pipelines (tenant_id, lower(name))`);
    await q.query(`CREATE INDEX pipelines_by_created ON pipelines (tenant_id, created_at, id)`);
    await enableTenantRls(q, 'pipelines');

    // Stages are never deleted, only archived: stage history keeps pointing at them.
    await q.query(`CREATE TABLE pipeline_stages (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      pipeline_id uuid NOT NULL REFERENCES pipelines(id),
      name text NOT NULL,
      position int NOT NULL,
      probability int NOT NULL CHECK (probability BETWEEN 0 AND 100),
      forecast_category text NOT NULL CHECK (forecast_category IN ('PIPELINE', 'BEST_CASE', 'COMMIT', 'CLOSED_WON', 'CLOSED_LOST')),
      archived_at timestamptz(3),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX pipeline_stages_by_pipeline ON pipeline_stages (pipeline_id, position)`);
    await enableTenantRls(q, 'pipeline_stages');

    await q.query(`CREATE TABLE opportunities (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      account_id uuid NOT NULL REFERENCES accounts(id),
      primary_contact_id uuid REFERENCES contacts(id),
      owner_id uuid,
      name text NOT NULL,
      amount numeric(19,4) NOT NULL,
      currency char(3) NOT NULL,
      close_date date NOT NULL,
      pipeline_id uuid NOT NULL REFERENCES pipelines(id),
      stage_id uuid NOT NULL REFERENCES pipeline_stages(id),
      probability int NOT NULL CHECK (probability BETWEEN 0 AND 100),
      status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'WON', 'LOST')),
      close_reason text,
      closed_at timestamptz(3),
      lead_id uuid,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT opportunities_closed_at CHECK ((status = 'OPEN') = (closed_at IS NULL))
    )`);
    await q.query(`CREATE INDEX opportunities_by_created ON opportunities (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX opportunities_by_close_date ON opportunities (tenant_id, close_date, id)`);
    await q.query(`CREATE INDEX opportunities_by_name ON opportunities (tenant_id, name, id)`);
    await q.query(`CREATE INDEX opportunities_by_owner ON opportunities (tenant_id, owner_id, status)`);
    await q.query(`CREATE INDEX opportunities_by_account ON opportunities (tenant_id, account_id)`);
    await q.query(`CREATE INDEX opportunities_by_contact ON opportunities (tenant_id, primary_contact_id)`);
    await q.query(`CREATE INDEX opportunities_by_stage ON opportunities (tenant_id, stage_id)`);
    await enableTenantRls(q, 'opportunities');

    // One row per transition (the first has no from-stage): the raw material for velocity and win rates.
    await q.query(`CREATE TABLE opportunity_stage_history (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      opportunity_id uuid NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
      from_stage_id uuid REFERENCES pipeline_stages(id),
      to_stage_id uuid NOT NULL REFERENCES pipeline_stages(id),
      changed_at timestamptz(3) NOT NULL,
      changed_by_kind text NOT NULL,
      changed_by_id uuid,
      reason text
    )`);
    await q.query(`CREATE INDEX opportunity_stage_history_by_opportunity ON opportunity_stage_history (opportunity_id, changed_at, id)`);
    await enableTenantRls(q, 'opportunity_stage_history');

    await q.query(`CREATE TABLE leads (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      first_name text,
      last_name text NOT NULL,
      company text,
      email text,
      phone text,
      source text,
      status text NOT NULL DEFAULT 'NEW' CHECK (status IN ('NEW', 'WORKING', 'QUALIFIED', 'DISQUALIFIED', 'CONVERTED')),
      owner_id uuid,
      score int NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
      converted_at timestamptz(3),
      converted_account_id uuid REFERENCES accounts(id),
      converted_contact_id uuid REFERENCES contacts(id),
      converted_opportunity_id uuid REFERENCES opportunities(id),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      -- A converted lead always says what it became; an unconverted one links to nothing.
      CONSTRAINT leads_conversion CHECK ((status = 'CONVERTED') = (converted_at IS NOT NULL AND converted_account_id IS NOT NULL AND converted_contact_id IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX leads_by_created ON leads (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX leads_by_last_name ON leads (tenant_id, last_name, id)`);
    await q.query(`CREATE INDEX leads_by_score ON leads (tenant_id, score, id)`);
    await q.query(`CREATE INDEX leads_by_email ON leads (tenant_id, email)`);
    await q.query(`CREATE INDEX leads_by_owner ON leads (tenant_id, owner_id, status)`);
    await enableTenantRls(q, 'leads');
    await q.query(`ALTER TABLE opportunities ADD CONSTRAINT opportunities_lead FOREIGN KEY (lead_id) REFERENCES leads(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE opportunities DROP CONSTRAINT IF EXISTS opportunities_lead`);
    for (const t of ['leads', 'opportunity_stage_history', 'opportunities', 'pipeline_stages', 'pipelines'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
