import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: purchase models other than BG/NBD, validation before activation,
 * an explicit active model, and scores as of a date.
 *
 * - clv_models: `kind` of the purchase model; its fit moves from `bg_nbd` to
 *   `purchase_model` (same JSON shape, parameters named by the kind);
 *   REJECTED with `rejection_reasons`; `spend_model_reason` says why a fitted
 *   model has no Gamma-Gamma; `as_of` pins the scoring day of a model;
 *   `activated_at` orders fall-backs after a scoring failure.
 * - clv_settings: tiers become optional (null = default scheme) so a row can
 *   hold the other settings; the model kind, automatic activation, the
 *   hold-out error limit, the scoring as-of setting and the active model.
 * - customer_values: CLV and spend may be absent (Gamma-Gamma refused);
 *   `as_of` is the day the customer was scored as of.
 */
export class AnalyticsClvModelValidation1766160000000 implements MigrationInterface {
  name = 'AnalyticsClvModelValidation1766160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE clv_models ADD COLUMN kind text NOT NULL DEFAULT 'BG_NBD' CHECK (kind IN ('BG_NBD', 'PARETO_NBD', 'MBG_NBD'))`,
    );
    await q.query(`ALTER TABLE clv_models RENAME COLUMN bg_nbd TO purchase_model`);
    await q.query(`ALTER TABLE clv_models DROP CONSTRAINT clv_models_status_check`);
    await q.query(
      `ALTER TABLE clv_models ADD CONSTRAINT clv_models_status_check CHECK (status IN ('QUEUED', 'RUNNING', 'FITTED', 'REJECTED', 'FAILED'))`,
    );
    await q.query(`ALTER TABLE clv_models ADD COLUMN rejection_reasons jsonb`);
    await q.query(`ALTER TABLE clv_models ADD COLUMN spend_model_reason text`);
    await q.query(`ALTER TABLE clv_models ADD COLUMN as_of timestamptz(3)`);
    await q.query(`ALTER TABLE clv_models ADD COLUMN activated_at timestamptz(3)`);

    await q.query(`ALTER TABLE clv_settings ALTER COLUMN tiers DROP NOT NULL`);
    await q.query(
      `ALTER TABLE clv_settings ADD COLUMN model_kind text NOT NULL DEFAULT 'BG_NBD' CHECK (model_kind IN ('BG_NBD', 'PARETO_NBD', 'MBG_NBD'))`,
    );
    await q.query(`ALTER TABLE clv_settings ADD COLUMN auto_activate boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE clv_settings ADD COLUMN max_holdout_error float8 NOT NULL DEFAULT 0.5`);
    await q.query(`ALTER TABLE clv_settings ADD COLUMN as_of timestamptz(3)`);
    await q.query(`ALTER TABLE clv_settings ADD COLUMN as_of_latest_order boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE clv_settings ADD COLUMN active_model_id uuid`);
    // Until now the latest fitted model scored: it is the active one.
    await q.query(
      `INSERT INTO clv_settings (tenant_id, active_model_id)
       SELECT DISTINCT ON (tenant_id) tenant_id, id FROM clv_models WHERE status = 'FITTED' ORDER BY tenant_id, finished_at DESC, id DESC
       ON CONFLICT (tenant_id) DO UPDATE SET active_model_id = EXCLUDED.active_model_id`,
    );
    await q.query(`UPDATE clv_models m SET activated_at = m.finished_at FROM clv_settings s WHERE s.active_model_id = m.id`);

    await q.query(`ALTER TABLE customer_values ALTER COLUMN clv DROP NOT NULL`);
    await q.query(`ALTER TABLE customer_values ALTER COLUMN expected_average_spend DROP NOT NULL`);
    await q.query(`ALTER TABLE customer_values ADD COLUMN as_of date`);
    await q.query(`UPDATE customer_values SET as_of = (scored_at AT TIME ZONE 'UTC')::date`);
    await q.query(`ALTER TABLE customer_values ALTER COLUMN as_of SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_values DROP COLUMN as_of`);
    await q.query(`DELETE FROM customer_values WHERE clv IS NULL OR expected_average_spend IS NULL`);
    await q.query(`ALTER TABLE customer_values ALTER COLUMN expected_average_spend SET NOT NULL`);
    await q.query(`ALTER TABLE customer_values ALTER COLUMN clv SET NOT NULL`);
    await q.query(`DELETE FROM clv_settings WHERE tiers IS NULL`);
    for (const c of ['active_model_id', 'as_of_latest_order', 'as_of', 'max_holdout_error', 'auto_activate', 'model_kind']) {
      await q.query(`ALTER TABLE clv_settings DROP COLUMN ${c}`);
    }
    await q.query(`ALTER TABLE clv_settings ALTER COLUMN tiers SET NOT NULL`);
    await q.query(`DELETE FROM clv_models WHERE status = 'REJECTED' OR kind <> 'BG_NBD'`);
    for (const c of ['activated_at', 'as_of', 'spend_model_reason', 'rejection_reasons', 'kind']) {
      await q.query(`ALTER TABLE clv_models DROP COLUMN ${c}`);
    }
    await q.query(`ALTER TABLE clv_models DROP CONSTRAINT clv_models_status_check`);
    await q.query(
      `ALTER TABLE clv_models ADD CONSTRAINT clv_models_status_check CHECK (status IN ('QUEUED', 'RUNNING', 'FITTED', 'FAILED'))`,
    );
    await q.query(`ALTER TABLE clv_models RENAME COLUMN purchase_model TO bg_nbd`);
  }
}
