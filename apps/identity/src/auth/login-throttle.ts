import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { rateLimited } from '@rapport/auth';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import { DataSource } from 'typeorm';
import type { IdentityConfig } from '../identity.env';

/** Old rows removed per failed sign-in: keeps the table to the active window without a scheduled job. */
const CLEANUP_BATCH = 100;

export interface LoginAttempt {
  tenant: string;
  email: string;
  /** The caller's address (signed by the gateway, else the socket's peer). */
  ip: string;
}

/**
 * Guessing passwords costs the guesser, not the accounts: failed sign-ins
 * are counted per account and per client address in Postgres (one upsert
 * per failure, so every identity replica shares the counts and concurrent
 * failures all count). Past the limit, that account's (or address's)
 * password sign-in is refused for LOGIN_LOCKOUT_SECONDS with RATE_LIMITED
 * and retryAfter, before the password is checked.
 *
 * The account key is the tenant and email as typed (normalised, hashed),
 * whether or not such a user exists: an unknown account locks exactly like a
 * real one, so neither the refusal nor its timing says which exist. A
 * successful sign-in clears its account's count but not its address's, so
 * one known password does not reset a guesser's address.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** Throws RATE_LIMITED while the account or the address is locked. */
  async check(attempt: LoginAttempt): Promise<void> {
    const rows: { seconds: string | null }[] = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM max(locked_until) - now())) AS seconds
         FROM login_throttle WHERE key = ANY($1) AND locked_until > now()`,
      [this.keys(attempt)],
    );
    const seconds = Number(rows[0]?.seconds ?? 0);
    if (seconds > 0) throw rateLimited(`too many failed sign-in attempts; try again in ${seconds} s`, seconds);
  }

  /** Counts a failure against the account and the address; the one that reaches a limit starts its lock. */
  async failed(attempt: LoginAttempt): Promise<void> {
    const [account, address] = this.keys(attempt);
    const window = this.config.LOGIN_FAILURE_WINDOW_SECONDS;
    const lockout = this.config.LOGIN_LOCKOUT_SECONDS;
    await this.dataSource.transaction(async (em) => {
      for (const [key, max] of [
        [account, this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT],
        [address, this.config.LOGIN_MAX_FAILURES_PER_IP],
      ] as const) {
        // A window that is over starts again at 1; reaching the limit locks, and a lock never shortens.
        await em.query(
          `INSERT INTO login_throttle AS t (key, failures, window_started_at, locked_until)
             VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $4) END)
           ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END,
             window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $3) THEN now() ELSE t.window_started_at END,
             locked_until = CASE
               WHEN (CASE WHEN t.window_started_at <= now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END) >= $2
                 THEN greatest(t.locked_until, now() + make_interval(secs => $4))
               ELSE t.locked_until END`,
          [key, max, window, lockout],
        );
      }
      await em.query(
        `DELETE FROM login_throttle WHERE key IN (
           SELECT key FROM login_throttle
            WHERE window_started_at <= now() - make_interval(secs => $1) AND (locked_until IS NULL OR locked_until <= now())
            LIMIT ${CLEANUP_BATCH})`,
        [window],
      );
    });
  }

  /** A successful sign-in: its account starts counting afresh (its address does not). */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [this.keys(attempt)[0]]);
  }

  private keys(attempt: LoginAttempt): [account: string, address: string] {
    const account = createHash('sha256')
      .update(`${attempt.tenant.trim().toLowerCase()}\n${attempt.email.trim().toLowerCase()}`)
      .digest('base64url');
    return [`account:${account}`, `ip:${attempt.ip}`];
  }
}
