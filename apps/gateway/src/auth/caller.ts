import { bearerToken, InvalidTokenError, unauthenticated, type Principal, type TokenVerifier } from '@rapport/auth';
import type { Request } from 'express';
import type { ApiKeyExchanger } from './api-key-exchanger';

export interface Caller {
  principal: Principal | null;
  /** The access token forwarded to subgraphs (which verify it again). */
  token: string | null;
  requestId: string;
  ip: string;
}

/**
 * Establishes who is calling before anything else happens: a bearer token
 * is verified against identity's JWKS; an API key is exchanged for a token;
 * neither means anonymous (allowed only for sign-in operations).
 */
export async function identifyCaller(req: Request, verifier: TokenVerifier, exchanger: ApiKeyExchanger): Promise<Caller> {
  const requestId = (req as Request & { requestId?: string }).requestId ?? '';
  const ip = req.ip ?? 'unknown';
  const header = req.header('authorization');
  const apiKey = req.header('x-api-key');
  let token: string | null = null;
  if (header) {
    token = bearerToken(header);
    if (!token) throw unauthenticated('Authorization header must be "Bearer <token>"');
  } else if (apiKey) {
    token = await exchanger.tokenFor(apiKey, ip);
  }
  if (!token) return { principal: null, token: null, requestId, ip };
  try {
    return { principal: await verifier.verify(token), token, requestId, ip };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticated(err.message);
    throw err;
  }
}
