/**
 * How the gateway closes a subscription socket, besides graphql-ws's own
 * protocol codes. Clients tell them apart by code; the reason says more.
 */
export const CLOSE = {
  /** connection_init without valid credentials (graphql-ws's Unauthorized), or a bearer token that expired: reconnect with a fresh one. */
  UNAUTHENTICATED: 4401,
  /** The token or API key was revoked (roles changed, user deactivated, key revoked, tenant disabled) while connected. */
  REVOKED: 4403,
  /** The client did not read its results: more were waiting than SUBSCRIPTION_BUFFER allows. */
  SLOW_CONSUMER: 4413,
  /** The gateway is shutting down (WebSocket's Going Away): reconnect, another replica serves. */
  GOING_AWAY: 1001,
} as const;
