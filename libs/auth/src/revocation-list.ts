import {
  API_KEY_REVOKED,
  USER_DEACTIVATED,
  USER_UPDATED,
  type ApiKeyRevokedV1,
  type EventEnvelope,
  type UserDeactivatedV1,
  type UserUpdatedV1,
} from '@rapport/contracts';

/**
 * The longest access-token lifetime identity accepts (ACCESS_TOKEN_TTL_SECONDS).
 * A revocation older than this can no longer match a valid token, so it is how
 * far back a verifier replays identity's changes and how long it keeps them.
 */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** What an identity event revokes: tokens of `subject` with a version below `minVersion`. */
export interface Revocation {
  subject: string;
  minVersion: number;
  at: Date;
}

interface Rule {
  minVersion: number;
  /** Epoch ms after which every token the rule could refuse has expired. */
  keepUntil: number;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Which access tokens are no longer honoured although their signature is
 * valid and they have not expired. Users' tokens carry a version (claim
 * `ver`) that identity raises when it changes their roles or deactivates
 * them; a token below the latest version is refused. A version, not an issue
 * time, because it is read in the same row as the roles: a token signed in
 * the same second as the change (or by a login racing it) carries the old
 * version exactly when it carries the old roles, and a login right after
 * the change works at once. A revoked API key refuses all its tokens.
 * Pure and in memory; RevocationFeed fills it from identity's stream.
 */
export class RevocationList {
  private readonly rules = new Map<string, Rule>();
  private lastPrune = 0;

  constructor(private readonly keepMs = MAX_ACCESS_TOKEN_TTL_SECONDS * 1000) {}

  /** From now on, tokens of `subject` below `minVersion` are refused. A lower version than known changes nothing. */
  raise({ subject, minVersion, at }: Revocation, now = Date.now()): void {
    const keepUntil = at.getTime() + this.keepMs;
    const rule = this.rules.get(subject);
    if (rule) {
      rule.minVersion = Math.max(rule.minVersion, minVersion);
      rule.keepUntil = Math.max(rule.keepUntil, keepUntil);
    } else if (minVersion > 0 && keepUntil > now) {
      this.rules.set(subject, { minVersion, keepUntil });
    }
    this.prune(now);
  }

  /** Tokens without a version (API keys, tokens from before versions existed) count as version 0. */
  refuses(subject: string, tokenVersion: number): boolean {
    const rule = this.rules.get(subject);
    return rule !== undefined && tokenVersion < rule.minVersion;
  }

  /** Applies an identity event; returns whether it revoked anything. */
  apply(event: EventEnvelope, now = Date.now()): boolean {
    const revocation = revocationOf(event);
    if (revocation) this.raise(revocation, now);
    return revocation !== null;
  }

  get size(): number {
    return this.rules.size;
  }

  /** Forgets rules no valid token can match any more (at most once a minute: replays apply thousands). */
  private prune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    for (const [subject, rule] of this.rules) if (rule.keepUntil <= now) this.rules.delete(subject);
  }
}

/** Reads an identity event as a revocation; null for events that revoke nothing. */
export function revocationOf(event: EventEnvelope): Revocation | null {
  const at = new Date(event.occurredAt);
  switch (event.type) {
    case API_KEY_REVOKED:
      return { subject: (event as ApiKeyRevokedV1).data.apiKey.id, minVersion: Number.POSITIVE_INFINITY, at };
    case USER_UPDATED:
    case USER_DEACTIVATED: {
      const { user } = (event as UserUpdatedV1 | UserDeactivatedV1).data;
      // Events from an identity that predates token versions revoke nothing: its tokens carry none.
      return typeof user?.tokenVersion === 'number' ? { subject: user.id, minVersion: user.tokenVersion, at } : null;
    }
    default:
      return null;
  }
}
