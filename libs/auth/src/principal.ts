import type { Role } from '@rapport/contracts';

/**
 * Who is calling, as established from a verified access token. Every
 * service builds its authorisation decisions on this and nothing else.
 */
export interface Principal {
  kind: 'user' | 'apiKey' | 'customer';
  tenantId: string;
  /** User id, API key id, or (for customers) the portal account id. */
  id: string;
  roles: Role[];
  /** API-key scopes such as `leads:write`; empty for users (roles govern them). */
  scopes: string[];
  /** For customers: the sales contact they are bound to. */
  contactId: string | null;
  /** The request quota per minute the tenant set for this user or key; absent: the operator's default. */
  ratePerMinute?: number;
}

/** Claims Rapport puts in its access tokens (besides iss, aud, sub, exp, iat). */
export interface AccessTokenClaims {
  tid: string;
  kind: Principal['kind'];
  roles: Role[];
  scopes?: string[];
  cid?: string;
  /** Users: their token version at issue; verifiers refuse it once identity has raised it (RevocationList). */
  ver?: number;
  /** The caller's request quota per minute, when the tenant set one (Principal.ratePerMinute). */
  rpm?: number;
}

export const TOKEN_ISSUER = 'rapport-identity';
export const TOKEN_AUDIENCE = 'rapport';
export const TOKEN_ALGORITHM = 'ES256';
