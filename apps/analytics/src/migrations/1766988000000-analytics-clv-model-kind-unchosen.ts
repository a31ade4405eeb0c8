import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ADR 081. `clv_settings.model_kind` NULL = the tenant has not chosen a
 * purchase model, so fits use the default (MBG/NBD, which lets one-time
 * buyers churn). The column's old default, BG_NBD, was written into every
 * settings row whether or not anyone chose it (any settings change rewrote
 * it too), so a stored BG_NBD cannot be told from "never chosen": those rows
 * become NULL. Fitted and active models keep their kind; only fits asked for
 * without a kind change. A tenant that wants BG/NBD sets it again.
 */
export class AnalyticsClvModelKindUnchosen1766988000000 implements MigrationInterface {
  name = 'AnalyticsClvModelKindUnchosen1766988000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clv_settings ALTER COLUMN model_kind DROP NOT NULL, ALTER COLUMN model_kind DROP DEFAULT`);
    await q.query(`UPDATE clv_settings SET model_kind = NULL WHERE model_kind = 'BG_NBD'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE clv_settings SET model_kind = 'BG_NBD' WHERE model_kind IS NULL`);
    await q.query(`ALTER TABLE clv_settings ALTER COLUMN model_kind SET DEFAULT 'BG_NBD', ALTER COLUMN model_kind SET NOT NULL`);
  }
}
