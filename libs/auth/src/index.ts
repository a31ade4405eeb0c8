export { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './principal';
export type { AccessTokenClaims, Principal } from './principal';
export { bearerToken, InvalidTokenError, principalFromClaims, TokenVerifier } from './token-verifier';
export { badUserInput, badUserInputs, conflict, forbidden, notFound, unauthenticated } from './errors';
export { hasRole, requirePrincipal, requireRole, requireRoleOrScope } from './access';
export { AuthGuard, CurrentPrincipal, Public } from './nest';
export { fieldFromMessage, formatApiError } from './format-error';
export { actorOf } from './actor';
