import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A journey's purpose says why it exists, not only what consent its
 * messages need: SERVICE_RECOVERY joins the consent purposes (its messages
 * go out as SERVICE). Messages and campaigns keep the consent purposes.
 */
export class MarketingJourneyPurpose1766320000000 implements MigrationInterface {
  name = 'MarketingJourneyPurpose1766320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE journeys DROP CONSTRAINT journeys_purpose_check`);
    await q.query(
      `ALTER TABLE journeys ADD CONSTRAINT journeys_purpose_check CHECK (purpose IN ('MARKETING', 'SERVICE_RECOVERY', 'SERVICE', 'RESEARCH'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE journeys SET status = 'ARCHIVED', purpose = 'SERVICE' WHERE purpose = 'SERVICE_RECOVERY'`);
    await q.query(`ALTER TABLE journeys DROP CONSTRAINT journeys_purpose_check`);
    await q.query(`ALTER TABLE journeys ADD CONSTRAINT journeys_purpose_check CHECK (purpose IN ('MARKETING', 'SERVICE', 'RESEARCH'))`);
  }
}
