import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A campaign's test is planned up front: the family-wise significance level,
 * the power and the smallest difference in conversion rate worth detecting
 * (and, optionally, the control's expected rate), from which the sample each
 * group needs follows. `winner_overridden` records a roll-out the marketer
 * forced without a significant result. Existing campaigns get the defaults.
 */
export class MarketingExperimentDesign1766300000000 implements MigrationInterface {
  name = 'MarketingExperimentDesign1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns
      ADD COLUMN significance_level numeric(6,5) NOT NULL DEFAULT 0.05 CHECK (significance_level > 0 AND significance_level <= 0.2),
      ADD COLUMN power numeric(6,5) NOT NULL DEFAULT 0.8 CHECK (power >= 0.5 AND power < 1),
      ADD COLUMN minimum_detectable_effect numeric(6,5) NOT NULL DEFAULT 0.02 CHECK (minimum_detectable_effect > 0 AND minimum_detectable_effect < 1),
      ADD COLUMN baseline_rate numeric(6,5) CHECK (baseline_rate >= 0 AND baseline_rate < 1),
      ADD COLUMN winner_overridden boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP COLUMN significance_level, DROP COLUMN power, DROP COLUMN minimum_detectable_effect,
      DROP COLUMN baseline_rate, DROP COLUMN winner_overridden`);
  }
}
