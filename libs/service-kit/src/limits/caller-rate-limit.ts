import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RateLimiter, TokenVerifier } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import Redis from 'ioredis';
import type { HttpRateLimitRule, ServiceDefinition } from '../definition';
import { authenticateOnce } from '../graphql.config';
import type { PlatformConfig } from '../service-config';
import { LOGGER, SERVICE_CONFIG, SERVICE_DEFINITION } from '../tokens';
import { callerOrigin } from './caller-origin';

/**
 * The gateway counts a caller once per operation; its query plan can fetch
 * from one subgraph several times for that operation (once per entity
 * boundary that comes back to it). Fetches the gateway signed get this many
 * times the caller's rate, so a caller the gateway allowed is never refused
 * here; direct callers get the rate as configured.
 */
export const GATEWAY_FETCH_HEADROOM = 4;

/** Key prefixes: a caller's GraphQL operations (as before) and its other requests are counted apart. */
const GRAPHQL = '';
const HTTP = 'http:';

/** /graphql has its own mount; health probes and metric scrapes are never refused. */
const NOT_COUNTED_HERE = /^\/(?:graphql(?:\/|$)|health\/|metrics$)/;

/**
 * A subgraph's own per-caller rate (RATE_LIMIT_PER_MINUTE per user or API
 * key, ANON_RATE_LIMIT_PER_MINUTE per IP), counted in Redis before the body
 * is parsed, as the gateway does: anyone who reaches a subgraph port directly
 * is limited too. Calls through the gateway count against the real caller
 * (its token, or the address the gateway signed), never as one client.
 *
 * Redis trouble lets requests through (logged once per outage): this is the
 * second line behind the gateway's limit, and a Redis outage must not take
 * every subgraph's API down with it.
 */
@Injectable()
export class CallerRateLimit implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly limiter: RateLimiter;
  private redisFailing = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PlatformConfig,
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly verifier: TokenVerifier,
  ) {
    // Fail fast rather than queue: a request must not wait for Redis to come back.
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 });
    this.redis.on('error', (err: Error) => this.redisFailed(err));
    this.redis.on('ready', () => (this.redisFailing = false));
    this.limiter = new RateLimiter(this.redis, config.REDIS_PREFIX);
  }

  /** The limit of /graphql: the caller's operations. */
  middleware(): RequestHandler {
    return this.limit(GRAPHQL, this.config.ANON_RATE_LIMIT_PER_MINUTE);
  }

  /**
   * The limit of every other route (quote PDFs, API-key exchange, marketing's
   * links …), counted apart from the caller's GraphQL operations, at the
   * definition's rate for the route (httpRateLimits). Probes and scrapes are
   * not counted: an orchestrator polling /health must never be refused.
   */
  httpMiddleware(): RequestHandler {
    const rules = (this.def.httpRateLimits ?? []).map((rule) => ({ ...rule, anonymousPerMinute: this.anonymousRate(rule) }));
    const otherwise = this.limit(HTTP, this.config.ANON_RATE_LIMIT_PER_MINUTE);
    const limits = new Map(rules.map((rule) => [rule, rule.unlimited ? null : this.limit(HTTP, rule.anonymousPerMinute)]));
    return (req: Request, res: Response, next: NextFunction) => {
      // Case-sensitive on purpose: a path that differs only in case is counted here, never skipped.
      if (NOT_COUNTED_HERE.test(req.path)) return next();
      const rule = rules.find((r) => r.path.test(req.path));
      const limit = rule ? limits.get(rule) : otherwise;
      if (!limit) return next();
      limit(req, res, next);
    };
  }

  private anonymousRate(rule: HttpRateLimitRule): number {
    if (!rule.anonymousRateVariable) return this.config.ANON_RATE_LIMIT_PER_MINUTE;
    const rate = (this.config as unknown as Record<string, unknown>)[rule.anonymousRateVariable];
    // A definition naming a variable its env does not declare is a programming error: refuse to start.
    if (typeof rate !== 'number' || !(rate > 0))
      throw new Error(`${this.def.name}: rate variable ${rule.anonymousRateVariable} is not configured`);
    return rate;
  }

  private limit(surface: string, anonymousPerMinute: number): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.retryAfter(req, surface, anonymousPerMinute).then((retryAfter) => {
        if (retryAfter === null) return next();
        res
          .status(429)
          .set('retry-after', String(retryAfter))
          .json({
            errors: [{ message: `rate limit exceeded; retry in ${retryAfter} s`, extensions: { code: 'RATE_LIMITED', retryAfter } }],
          });
      }, next);
    };
  }

  /** Seconds until the caller may call again, or null when within its rate. */
  private async retryAfter(req: Request, surface: string, anonymousPerMinute: number): Promise<number | null> {
    const origin = callerOrigin(req, this.config.GATEWAY_SECRET);
    const principal = await principalOrAnonymous(authenticateOnce(req, this.verifier));
    const headroom = origin.viaGateway ? GATEWAY_FETCH_HEADROOM : 1;
    const [key, perMinute] = principal
      ? [`${surface}${principal.tenantId}:${principal.kind}:${principal.id}`, principal.ratePerMinute ?? this.config.RATE_LIMIT_PER_MINUTE]
      : [`${surface}anon:${origin.ip}`, anonymousPerMinute];
    // Not connected (yet, or during an outage the connection's error handler has logged): no wait, no count.
    if (this.redis.status !== 'ready') return null;
    try {
      return await this.limiter.hit(`${this.def.name}:${key}`, perMinute * headroom);
    } catch (err) {
      this.redisFailed(err as Error);
      return null;
    }
  }

  private redisFailed(err: Error): void {
    if (!this.redisFailing)
      this.logger.warn({ err: err.message }, 'rate limit: Redis unavailable; requests pass unlimited until it is back');
    this.redisFailing = true;
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

/**
 * The verified principal, or null for anonymous callers and those whose
 * token fails verification: those count against their IP's budget, and the
 * GraphQL context refuses the token itself right after.
 */
async function principalOrAnonymous<P>(principal: Promise<P>): Promise<P | null> {
  try {
    return await principal;
  } catch {
    return null;
  }
}
