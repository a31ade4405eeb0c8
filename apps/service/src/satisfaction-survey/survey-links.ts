import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigError } from '@rapport/config';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { signSurveyLink, verifySurveyLink, type SurveyLink } from './survey-token';

/**
 * Signs and checks rating links. The secret is SERVICE_LINK_SECRET
 * (production: one secret shared by every replica) or generated once and
 * kept in the schema, so replicas agree and links keep working across
 * restarts — as marketing does for its links.
 */
@Injectable()
export class SurveyLinks implements OnModuleInit {
  private secret = '';

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.SERVICE_LINK_SECRET) {
      if (this.config.SERVICE_LINK_SECRET.length < 32) throw new ConfigError(['SERVICE_LINK_SECRET must be at least 32 characters']);
      this.secret = this.config.SERVICE_LINK_SECRET;
      return;
    }
    await this.dataSource.query(`INSERT INTO service_link_secrets (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
      randomBytes(32).toString('base64url'),
    ]);
    const [row]: { secret: string }[] = await this.dataSource.query(`SELECT secret FROM service_link_secrets WHERE id = 1`);
    this.secret = row.secret;
  }

  /** `<SERVICE_PUBLIC_URL>/s/rate/<token>?rating=<n>`: the gateway forwards /s/rate/* to the service. */
  url(link: SurveyLink, rating: number): string {
    const base = this.config.SERVICE_PUBLIC_URL.replace(/\/+$/, '');
    return `${base}/s/rate/${signSurveyLink(this.secret, link)}?rating=${rating}`;
  }

  verify(token: string): SurveyLink | null {
    return verifySurveyLink(this.secret, token);
  }
}
