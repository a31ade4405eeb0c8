import type { GraphQLFormattedError } from 'graphql';

export type SubgraphFailureCode = 'SERVICE_UNAVAILABLE' | 'TIMEOUT';

// Errors of a connection that never got an answer (minipass-fetch FetchError codes are Node's socket errnos).
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

interface FailedCall {
  name?: unknown;
  code?: unknown;
  type?: unknown;
  // RemoteGraphQLDataSource throws a non-2xx answer as a GraphQLError with the response here.
  extensions?: { response?: { status?: unknown; body?: { errors?: unknown } } };
}

/**
 * What a failed subgraph call means for the client: it timed out (our abort
 * signal fired), the subgraph could not be reached, or it answered 5xx with no
 * GraphQL body (a dying process, or a proxy in front of it). Anything else is
 * not a down or slow subgraph, so it is left to fail as before.
 */
export function subgraphFailureCode(error: unknown): SubgraphFailureCode | undefined {
  const err = (error ?? {}) as FailedCall;
  if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.type === 'request-timeout') return 'TIMEOUT';
  if (err.type === 'system' || (typeof err.code === 'string' && UNREACHABLE.has(err.code))) return 'SERVICE_UNAVAILABLE';
  if (serverError(err) && !errorsWithBody(error)) return 'SERVICE_UNAVAILABLE';
  return undefined;
}

/**
 * The subgraph's own GraphQL errors sent with a 4xx or 5xx (a 400 for a
 * variable its scalar refused, a 5xx from a failing resolver): they say more
 * than we could — the code and the field — so they pass through.
 */
export function errorsWithBody(error: unknown): GraphQLFormattedError[] | undefined {
  const err = (error ?? {}) as FailedCall;
  const status = err.extensions?.response?.status;
  const errors = err.extensions?.response?.body?.errors;
  const failed = typeof status === 'number' && status >= 400;
  return failed && Array.isArray(errors) && errors.length > 0 ? (errors as GraphQLFormattedError[]) : undefined;
}

function serverError(err: FailedCall): boolean {
  const status = err.extensions?.response?.status;
  return typeof status === 'number' && status >= 500;
}
