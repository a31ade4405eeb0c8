import { isRole } from '@rapport/contracts';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Principal } from './principal';
import type { RevocationList } from './revocation-list';
import { VerifiedTokens } from './verified-tokens';

type KeySource = ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

export class InvalidTokenError extends Error {}

/**
 * Verifies Rapport access tokens (ES256 JWTs) against identity's JWKS. The
 * remote key set is cached and refetched when an unknown key id shows up, so
 * key rotation needs no restart. A token that passes is then checked against
 * the revocation list, so a revoked key, a deactivated user or changed roles
 * stop a token before it expires.
 *
 * The signature check is done once per token per process (VerifiedTokens);
 * expiry and the revocation list are checked on every call.
 */
export class TokenVerifier {
  private constructor(
    private readonly keys: KeySource,
    private readonly revocations: RevocationList,
    private readonly verified: VerifiedTokens,
  ) {}

  static remote(jwksUrl: string, revocations: RevocationList, verified = new VerifiedTokens()): TokenVerifier {
    return new TokenVerifier(
      createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
      revocations,
      verified,
    );
  }

  static local(jwks: JSONWebKeySet, revocations: RevocationList, verified = new VerifiedTokens()): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks), revocations, verified);
  }

  async verify(token: string): Promise<Principal> {
    const { principal, version } = this.verified.get(token) ?? (await this.checkSignature(token));
    if (this.revocations.refuses(principal.id, version, principal.tenantId)) {
      throw new InvalidTokenError(
        'access token was revoked (roles changed, user deactivated, API key revoked or tenant disabled); sign in again',
      );
    }
    // A copy: callers own their principal, the cached one stays as verified.
    return { ...principal, roles: [...principal.roles], scopes: [...principal.scopes] };
  }

  private async checkSignature(token: string) {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
      }));
    } catch (err) {
      throw new InvalidTokenError(`access token rejected: ${(err as Error).message}`);
    }
    const verified = {
      principal: principalFromClaims(payload),
      version: tokenVersionOf(payload),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    };
    this.verified.remember(token, verified);
    return verified;
  }
}

export function principalFromClaims(payload: JWTPayload): Principal {
  const { sub, tid, kind, roles, scopes, cid, rpm } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof tid !== 'string') throw new InvalidTokenError('access token lacks sub or tid');
  if (kind !== 'user' && kind !== 'apiKey' && kind !== 'customer') throw new InvalidTokenError('access token has no valid kind');
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string' && isRole(r))) {
    throw new InvalidTokenError('access token has invalid roles');
  }
  return {
    kind,
    tenantId: tid,
    id: sub,
    roles,
    scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
    contactId: typeof cid === 'string' ? cid : null,
    ...(typeof rpm === 'number' && Number.isInteger(rpm) && rpm > 0 ? { ratePerMinute: rpm } : {}),
  };
}

/** The `ver` claim; a token without one (API keys, older tokens) is version 0. */
function tokenVersionOf(payload: JWTPayload): number {
  return typeof payload.ver === 'number' ? payload.ver : 0;
}

/** Extracts the token from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
