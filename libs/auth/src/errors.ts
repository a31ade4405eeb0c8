import { GraphQLError } from 'graphql';

/**
 * The error vocabulary of the API (ARCHITECTURE.md "API conventions"):
 * every error a client sees carries one of these codes in extensions.code.
 */
export function unauthenticated(message = 'authentication required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Refused for now, not for good: `retryAfter` says in how many seconds to try again. */
export function rateLimited(message: string, retryAfter: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429 } } });
}

export function forbidden(message = 'not allowed'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function badUserInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field } });
}

/** BAD_USER_INPUT for several problems at once: the first names `field`, all are listed in extensions.problems. */
export function badUserInputs(problems: { field: string; message: string }[]): GraphQLError {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new GraphQLError(`${first.field}: ${first.message}${more}`, {
    extensions: { code: 'BAD_USER_INPUT', field: first.field, problems },
  });
}

export function notFound(type: string, id: string): GraphQLError {
  return new GraphQLError(`${type} ${id} not found`, { extensions: { code: 'NOT_FOUND', type, id } });
}

export function conflict(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'CONFLICT', ...(field ? { field } : {}) } });
}

/**
 * A broken assumption of our own (data the service wrote is inconsistent, a
 * configuration it checked at start is gone): a fault, logged and answered
 * INTERNAL_SERVER_ERROR. Resolvers and services throw this rather than a
 * plain Error (lint-enforced), so each throw says whose fault it is
 * (docs/adr/023-no-internal-errors-for-bad-input.md).
 */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}
