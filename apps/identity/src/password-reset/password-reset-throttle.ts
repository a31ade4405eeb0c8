import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { rateLimited } from '@rapport/auth';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import { DataSource } from 'typeorm';
import type { IdentityConfig } from '../identity.env';

/** Old rows removed per request: keeps the table to the active windows without a scheduled job. */
const CLEANUP_BATCH = 100;

/**
 * Reset emails are capped per account and per client address (ADR 020's
 * reasoning, applied to requests rather than failures): nobody can flood a
 * person's mailbox or use identity as a mail cannon. Every request counts,
 * in Postgres so every replica shares the counts. The account key is the
 * tenant and email as typed (normalised, hashed), whether or not such a user
 * exists, so the limit answers the same for every address and reveals none.
 */
@Injectable()
export class PasswordResetThrottle {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** Counts the request; throws RATE_LIMITED (with retryAfter) past either limit within the window. */
  async hit(request: { tenant: string; email: string; ip: string }): Promise<void> {
    const account = createHash('sha256')
      .update(`${request.tenant.trim().toLowerCase()}\n${request.email.trim().toLowerCase()}`)
      .digest('base64url');
    const window = this.config.PASSWORD_RESET_WINDOW_SECONDS;
    const counts = await this.dataSource.transaction(async (em) => {
      const out: { requests: number; retry_after: string; max: number }[] = [];
      for (const [key, max] of [
        [`account:${account}`, this.config.PASSWORD_RESET_MAX_PER_ACCOUNT],
        [`ip:${request.ip}`, this.config.PASSWORD_RESET_MAX_PER_IP],
      ] as const) {
        // A window that is over starts again at 1.
        const [row]: { requests: number; retry_after: string }[] = await em.query(
          `INSERT INTO password_reset_throttle AS t (key, requests, window_started_at) VALUES ($1, 1, now())
           ON CONFLICT (key) DO UPDATE SET
             requests = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN 1 ELSE t.requests + 1 END,
             window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN now() ELSE t.window_started_at END
           RETURNING requests, ceil(extract(epoch FROM window_started_at + make_interval(secs => $2) - now())) AS retry_after`,
          [key, window],
        );
        out.push({ ...row, max });
      }
      await em.query(
        `DELETE FROM password_reset_throttle WHERE key IN (
           SELECT key FROM password_reset_throttle WHERE window_started_at <= now() - make_interval(secs => $1) LIMIT ${CLEANUP_BATCH})`,
        [window],
      );
      return out;
    });
    const over = counts.filter((c) => c.requests > c.max);
    if (over.length > 0) {
      const seconds = Math.max(1, ...over.map((c) => Number(c.retry_after)));
      throw rateLimited(`too many password-reset requests; try again in ${seconds} s`, seconds);
    }
  }
}
