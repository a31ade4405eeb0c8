import { CLIENT_IP_HEADER, GATEWAY_SIGNATURE_HEADER, verifyForwardedCaller } from '@rapport/auth';
import type { Request } from 'express';

export interface CallerOrigin {
  /** The request carries the gateway's valid signature (GATEWAY_SECRET). */
  viaGateway: boolean;
  /** The caller's address: as the gateway saw it when signed, else this connection's peer. */
  ip: string;
}

const origins = new WeakMap<Request, CallerOrigin>();

/**
 * Where a request to a subgraph comes from, decided once per request. Only
 * a signature made with GATEWAY_SECRET makes the forwarded address count:
 * any other header a client sends is ignored, and the socket's peer is used
 * (subgraphs sit behind no proxy but the gateway, so no X-Forwarded-For).
 */
export function callerOrigin(req: Request, gatewaySecret: string): CallerOrigin {
  let origin = origins.get(req);
  if (!origin) {
    const forwarded = verifyForwardedCaller(gatewaySecret, {
      ip: req.header(CLIENT_IP_HEADER),
      signature: req.header(GATEWAY_SIGNATURE_HEADER),
    });
    origin = forwarded ? { viaGateway: true, ip: forwarded.ip } : { viaGateway: false, ip: req.socket.remoteAddress ?? 'unknown' };
    origins.set(req, origin);
  }
  return origin;
}
