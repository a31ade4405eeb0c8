import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AnalyticsClv1764300000000 implements MigrationInterface {
  name = 'AnalyticsClv1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // The tenant's value tiers (absent row = platinum 5 %, gold 15 %, silver 30 %, bronze the rest).
    await q.query(`CREATE TABLE clv_settings (
      tenant_id uuid PRIMARY KEY,
      tiers jsonb NOT NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'clv_settings');

    // One row per requested fit. `request_key` identifies the inputs: while a
    // fit with the same inputs is queued or running, asking again returns it.
    // Fitted models carry both models' results (parameters, log-likelihood,
    // standard errors, iterations) as JSON; a failed one carries the reason.
    await q.query(`CREATE TABLE clv_models (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      request_key text NOT NULL,
      status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'FITTED', 'FAILED')),
      time_unit text NOT NULL CHECK (time_unit IN ('WEEKS', 'DAYS')),
      calibration_end timestamptz(3) NOT NULL,
      holdout_end timestamptz(3),
      currency text,
      bg_nbd jsonb,
      gamma_gamma jsonb,
      holdout jsonb,
      customers_used int,
      repeat_buyers int,
      fit_time_ms int,
      failure_reason text,
      requested_at timestamptz(3) NOT NULL DEFAULT now(),
      finished_at timestamptz(3)
    )`);
    await q.query(`CREATE UNIQUE INDEX clv_models_pending ON clv_models (tenant_id, request_key) WHERE status IN ('QUEUED', 'RUNNING')`);
    await q.query(`CREATE INDEX clv_models_latest ON clv_models (tenant_id, requested_at DESC, id DESC)`);
    await enableTenantRls(q, 'clv_models');

    // Per customer under the model that scored it: the summary (x, t_x, T in
    // the model's unit, m) so other horizons can be computed on the fly, and
    // the scores at the defaults (52 periods; 52 weeks at 10 % a year).
    await q.query(`CREATE TABLE customer_values (
      tenant_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      model_id uuid NOT NULL,
      x int NOT NULL,
      t_x float8 NOT NULL,
      t float8 NOT NULL,
      m float8 NOT NULL,
      p_alive float8 NOT NULL,
      expected_purchases float8 NOT NULL,
      expected_average_spend float8 NOT NULL,
      clv float8 NOT NULL,
      currency text NOT NULL,
      churn_risk float8 NOT NULL,
      churn_band text NOT NULL CHECK (churn_band IN ('LOW', 'MEDIUM', 'HIGH')),
      tier text,
      scored_at timestamptz(3) NOT NULL,
      PRIMARY KEY (tenant_id, contact_id)
    )`);
    await q.query(`CREATE INDEX customer_values_by_clv ON customer_values (tenant_id, clv DESC, contact_id)`);
    await enableTenantRls(q, 'customer_values');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['customer_values', 'clv_models', 'clv_settings']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
