import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { IdentityConfig } from '../identity.env';
import type { EndpointRow } from './webhook-rows';
import { openSecret, sealedKeyId, sealSecret, webhookKeyring, type WebhookKeyring } from './webhook-secret-keys';

/**
 * Seals endpoint secrets before they are written and opens them to sign a
 * delivery; the clear secret lives only in memory for that moment (and in
 * the create/rotate answer, once, to its caller).
 */
@Injectable()
export class WebhookSecrets implements OnModuleInit {
  private readonly keyring: WebhookKeyring;

  constructor(
    @Inject(SERVICE_CONFIG) config: IdentityConfig & { NODE_ENV: string },
    private readonly db: ServiceDatabase,
  ) {
    this.keyring = webhookKeyring(config);
  }

  /**
   * A missing or wrong key fails the start, naming WEBHOOK_SECRET_KEYS,
   * rather than every delivery later: one stored secret per key id is opened
   * now. Rows sealed with an older key are resealed with the current one, so
   * the old key can leave the configuration after one start.
   */
  async onModuleInit(): Promise<void> {
    const current = this.keyring.current;
    // One row under the current key (is it the right one?) and every row under another (reseal it).
    const rows: { id: string; secret: string; previous_secret: string | null }[] = await this.db.tenantDb.system(async (em) => [
      ...(await em.query(`SELECT id, secret, previous_secret FROM webhook_endpoints WHERE split_part(secret, ':', 2) = $1 LIMIT 1`, [
        current,
      ])),
      ...(await em.query(
        `SELECT id, secret, previous_secret FROM webhook_endpoints WHERE split_part(secret, ':', 2) <> $1 OR split_part(previous_secret, ':', 2) <> $1`,
        [current],
      )),
    ]);
    for (const row of rows) {
      for (const column of ['secret', 'previous_secret'] as const) {
        const stored = row[column];
        if (!stored) continue;
        const secret = openSecret(this.keyring, row.id, stored);
        if (sealedKeyId(stored) === this.keyring.current) continue;
        await this.db.tenantDb.system((em) =>
          em.query(`UPDATE webhook_endpoints SET ${column} = $2 WHERE id = $1 AND ${column} = $3`, [
            row.id,
            this.seal(row.id, secret),
            stored,
          ]),
        );
      }
    }
  }

  seal(endpointId: string, secret: string): string {
    return sealSecret(this.keyring, endpointId, secret);
  }

  /** The endpoint with its secrets opened, to sign one delivery. */
  open<T extends Pick<EndpointRow, 'id' | 'secret' | 'previousSecret'>>(endpoint: T): T {
    return {
      ...endpoint,
      secret: openSecret(this.keyring, endpoint.id, endpoint.secret),
      previousSecret: endpoint.previousSecret && openSecret(this.keyring, endpoint.id, endpoint.previousSecret),
    };
  }
}
