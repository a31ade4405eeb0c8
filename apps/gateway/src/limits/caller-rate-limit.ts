import type { TokenVerifier } from '@rapport/auth';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeyExchanger } from '../auth/api-key-exchanger';
import { identifyCaller, type Caller } from '../auth/caller';
import { rateLimitHeaders, type RateLimiter } from '@rapport/auth';

export interface CallerRateOptions {
  ratePerMinute: number;
  anonymousRatePerMinute: number;
}

/** Who is calling, established once per request by the middleware and reused by the GraphQL context. */
const callers = new WeakMap<Request, Promise<Caller>>();

/**
 * Counts every request against its caller's rate before the body is parsed or
 * the operation validated and measured: a caller sending invalid, too deep or
 * too costly operations spends its budget like anyone else, and over the limit
 * costs the gateway one Redis round trip. Users and API keys count per
 * principal — at the quota the tenant set for it, carried in its token, or
 * the operator's default —, anonymous callers (and tokens that fail
 * verification) per IP. Every answer says where the caller stands in
 * RateLimit-Policy/RateLimit headers (IETF draft); a 429 adds Retry-After.
 */
export function callerRateLimit(
  limiter: RateLimiter,
  verifier: TokenVerifier,
  exchanger: ApiKeyExchanger,
  options: CallerRateOptions,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const caller = identifyCaller(req, verifier, exchanger);
      callers.set(req, caller);
      const p = await principalOrAnonymous(caller);
      const verdict = p
        ? await limiter.take(`${p.tenantId}:${p.kind}:${p.id}`, p.ratePerMinute ?? options.ratePerMinute)
        : await limiter.take(`anon:${req.ip ?? 'unknown'}`, options.anonymousRatePerMinute);
      res.set(rateLimitHeaders(p ? 'caller' : 'anonymous', verdict));
      if (verdict.allowed) return next();
      const retryAfter = verdict.resetSeconds;
      res
        .status(429)
        .set('retry-after', String(retryAfter))
        .json({ errors: [{ message: `rate limit exceeded; retry in ${retryAfter} s`, extensions: { code: 'RATE_LIMITED', retryAfter } }] });
    } catch (err) {
      next(err);
    }
  };
}

/** The caller the middleware identified (its error, if identification failed), else identified now. */
export function callerOf(req: Request, verifier: TokenVerifier, exchanger: ApiKeyExchanger): Promise<Caller> {
  return callers.get(req) ?? identifyCaller(req, verifier, exchanger);
}

/**
 * The verified principal, or undefined for anonymous callers and those whose
 * token fails verification: those count against their IP's budget, and the
 * GraphQL context reports the verification error itself (`callerOf`).
 */
async function principalOrAnonymous(caller: Promise<Caller>): Promise<Caller['principal'] | undefined> {
  try {
    return (await caller).principal;
  } catch {
    return undefined;
  }
}
