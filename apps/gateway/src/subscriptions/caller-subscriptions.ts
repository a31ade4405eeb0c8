import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * How many subscriptions each caller holds across every gateway replica, in
 * Redis: one sorted set per caller whose members are this replica's
 * subscription ids, scored with when their lease lapses. A replica renews the
 * leases of the subscriptions it serves; one that dies stops renewing, so its
 * subscriptions stop counting after the lease (never a caller locked out by a
 * crashed pod). Claiming trims lapsed members and counts in one script, so
 * two replicas claiming the last place at once cannot both get it.
 */
const CLAIM = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

export interface SubscriptionClaim {
  /** Gives the place back (the subscription ended); safe to call twice. */
  release(): void;
}

export class CallerSubscriptions {
  private readonly held = new Map<string, { key: string; lease: string }>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long a claim counts without renewal; renewed every third of it. */
    private readonly leaseMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.renewal = setInterval(() => void this.renew().catch(onError), Math.max(1, Math.floor(leaseMs / 3)));
    this.renewal.unref();
  }

  /** One more subscription for the caller, or null when the caller already holds `max` on all replicas together. */
  async claim(caller: string, max: number): Promise<SubscriptionClaim | null> {
    const key = `${this.prefix}:subscriptions:${caller}`;
    const lease = randomUUID();
    const now = Date.now();
    const won = await this.redis.eval(CLAIM, 1, key, String(now), String(now + this.leaseMs), String(max), lease, String(this.leaseMs * 2));
    if (won !== 1) return null;
    this.held.set(lease, { key, lease });
    return {
      release: () => {
        if (!this.held.delete(lease)) return;
        this.redis.zrem(key, lease).catch(this.onError);
      },
    };
  }

  /** Pushes the lease of every subscription this replica still serves forward. */
  async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const until = String(Date.now() + this.leaseMs);
    const pipeline = this.redis.pipeline();
    for (const { key, lease } of this.held.values()) {
      // XX: never re-adds a member another path already removed.
      pipeline.zadd(key, 'XX', until, lease);
      pipeline.pexpire(key, this.leaseMs * 2);
    }
    await pipeline.exec();
  }

  /** Stops renewing and gives back every place this replica holds (a clean shutdown). */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    const held = [...this.held.values()];
    this.held.clear();
    if (held.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, lease } of held) pipeline.zrem(key, lease);
    await pipeline.exec();
  }
}
