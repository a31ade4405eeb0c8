import { bearerToken, InvalidTokenError, unauthenticated, type Principal, type TokenVerifier } from '@rapport/auth';
import type { Request } from 'express';
import type { ApiKeyExchanger } from './api-key-exchanger';

export interface Caller {
  principal: Principal | null;
  /** The access token forwarded to subgraphs (which verify it again). */
  token: string | null;
  requestId: string;
  ip: string;
  /** Query answers may come from the read cache (HTTP requests); subscription follow-ups always ask the subgraphs. */
  readCache?: boolean;
}

/** What a caller presented: an Authorization header value, or an API key. */
export interface Credentials {
  authorization?: string | null;
  apiKey?: string | null;
}

/**
 * Establishes who is calling before anything else happens: a bearer token
 * is verified against identity's JWKS; an API key is exchanged for a token;
 * neither means anonymous (allowed only for sign-in operations).
 */
export async function identifyCaller(req: Request, verifier: TokenVerifier, exchanger: ApiKeyExchanger): Promise<Caller> {
  const requestId = (req as Request & { requestId?: string }).requestId ?? '';
  return identifyCredentials(
    { authorization: req.header('authorization'), apiKey: req.header('x-api-key') },
    req.ip ?? 'unknown',
    requestId,
    verifier,
    exchanger,
  );
}

/** The same for credentials that came another way (a WebSocket's connection_init payload). */
export async function identifyCredentials(
  credentials: Credentials,
  ip: string,
  requestId: string,
  verifier: TokenVerifier,
  exchanger: ApiKeyExchanger,
): Promise<Caller> {
  let token: string | null = null;
  if (credentials.authorization) {
    token = bearerToken(credentials.authorization);
    if (!token) throw unauthenticated('Authorization header must be "Bearer <token>"');
  } else if (credentials.apiKey) {
    token = await exchanger.tokenFor(credentials.apiKey, ip);
  }
  if (!token) return { principal: null, token: null, requestId, ip };
  try {
    return { principal: await verifier.verify(token), token, requestId, ip };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticated(err.message);
    throw err;
  }
}
