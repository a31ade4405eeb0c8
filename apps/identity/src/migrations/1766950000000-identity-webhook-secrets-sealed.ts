import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isSealed, openSecret, sealSecret, webhookKeyringFromEnv } from '../webhooks/webhook-secret-keys';

/**
 * Webhook endpoint secrets were kept in clear (ADR 033); from here they are
 * sealed with AES-256-GCM under WEBHOOK_SECRET_KEYS
 * (docs/adr/048-webhook-secrets-encrypted-at-rest.md). Seals every clear
 * value in place, in the migration's transaction, so no code ever reads both
 * forms. The key comes from the environment: TypeORM constructs migrations
 * itself, and the migration Job gets the same variable as the service.
 */
export class IdentityWebhookSecretsSealed1766950000000 implements MigrationInterface {
  name = 'IdentityWebhookSecretsSealed1766950000000';

  async up(q: QueryRunner): Promise<void> {
    const keyring = webhookKeyringFromEnv();
    const rows: { id: string; secret: string; previous_secret: string | null }[] = await q.query(
      `SELECT id, secret, previous_secret FROM webhook_endpoints`,
    );
    for (const row of rows) {
      const seal = (stored: string | null) => (stored === null || isSealed(stored) ? stored : sealSecret(keyring, row.id, stored));
      await q.query(`UPDATE webhook_endpoints SET secret = $2, previous_secret = $3 WHERE id = $1`, [
        row.id,
        seal(row.secret),
        seal(row.previous_secret),
      ]);
    }
    // Nothing clear gets in again by mistake: a sealed value never starts with whsec_.
    await q.query(`ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secrets_sealed
      CHECK (secret LIKE 'gcm1:%' AND (previous_secret IS NULL OR previous_secret LIKE 'gcm1:%'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_endpoints DROP CONSTRAINT IF EXISTS webhook_endpoints_secrets_sealed`);
    const keyring = webhookKeyringFromEnv();
    const rows: { id: string; secret: string; previous_secret: string | null }[] = await q.query(
      `SELECT id, secret, previous_secret FROM webhook_endpoints`,
    );
    for (const row of rows) {
      const open = (stored: string | null) => (stored !== null && isSealed(stored) ? openSecret(keyring, row.id, stored) : stored);
      await q.query(`UPDATE webhook_endpoints SET secret = $2, previous_secret = $3 WHERE id = $1`, [
        row.id,
        open(row.secret),
        open(row.previous_secret),
      ]);
    }
  }
}
