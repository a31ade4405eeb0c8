import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import { DataSource } from 'typeorm';
import type { MarketingConfig } from '../marketing.env';
import { linkKey, signLink, verifyLink, type LinkPayload, type LinkSecret } from './link-tokens';

/**
 * Signs and checks the links in messages. The secret comes from
 * MARKETING_LINK_SECRET (production: a Kubernetes secret shared by every
 * replica) or is generated once and kept in the schema, so a laptop install
 * and its replicas agree and old links keep working across restarts.
 */
@Injectable()
export class LinkSigner implements OnModuleInit {
  private secret: LinkSecret = '';
  /** MARKETING_PUBLIC_URL without trailing slashes, worked out once rather than for every link. */
  private base: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.MARKETING_LINK_SECRET) {
      if (this.config.MARKETING_LINK_SECRET.length < 32) throw new Error('MARKETING_LINK_SECRET must be at least 32 characters');
      this.secret = linkKey(this.config.MARKETING_LINK_SECRET);
      return;
    }
    await this.dataSource.query(`INSERT INTO link_secrets (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
      randomBytes(32).toString('base64url'),
    ]);
    const [row]: { secret: string }[] = await this.dataSource.query(`SELECT secret FROM link_secrets WHERE id = 1`);
    this.secret = linkKey(row.secret);
  }

  /** An absolute URL under the public base, e.g. https://crm.example.com/m/u/<token>. */
  url(path: 'u' | 'o' | 'c' | 'confirm', payload: LinkPayload, suffix = ''): string {
    this.base ??= this.config.MARKETING_PUBLIC_URL.replace(/\/+$/, '');
    return `${this.base}/m/${path}/${signLink(this.secret, payload)}${suffix}`;
  }

  verify(token: string): LinkPayload | null {
    return verifyLink(this.secret, token);
  }
}
