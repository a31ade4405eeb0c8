export { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './principal';
export type { AccessTokenClaims, Principal } from './principal';
export { MAX_ACCESS_TOKEN_TTL_SECONDS, RevocationList, revocationOf } from './revocation-list';
export type { Revocation } from './revocation-list';
export { RevocationFeed } from './revocation-feed';
export type { FeedLogger } from './revocation-feed';
export { bearerToken, InvalidTokenError, principalFromClaims, TokenVerifier } from './token-verifier';
export { VerifiedTokens, VERIFIED_TOKENS_DEFAULTS, type VerifiedToken, type VerifiedTokensOptions } from './verified-tokens';
export { badUserInput, badUserInputs, conflict, forbidden, InvariantError, notFound, rateLimited, unauthenticated } from './errors';
export { hasRole, requirePrincipal, requireRole, requireRoleOrScope } from './access';
export { AuthGuard, CurrentPrincipal, Public } from './nest';
export { fieldFromMessage, CLIENT_ERROR_CODES, formatApiError } from './format-error';
export { actorOf } from './actor';
export { allowsFieldAccess, fieldAccessOf, fieldGroupForbidden, requireFieldAccess } from './field-access';
export type { FieldAccessOverrides } from './field-access';
export { EVERY_RECORD, inScope, NO_RECORD, ownerScope, readScope, requireWritable, scopePredicate, sharingOf, writeScope } from './sharing';
export type { RecordScope } from './sharing';
export { RateLimiter, rateLimitHeaders, RATE_WINDOW_SECONDS, type RateVerdict } from './limits/rate-limiter';
export {
  CLIENT_IP_HEADER,
  GATEWAY_SIGNATURE_HEADER,
  MAX_SIGNATURE_AGE_SECONDS,
  signForwardedCaller,
  verifyForwardedCaller,
} from './limits/forwarded-caller';
export { eventForReader } from './event-access';
