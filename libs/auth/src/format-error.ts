import type { GraphQLFormattedError } from 'graphql';

/** The codes a client may see on an error other than INTERNAL_SERVER_ERROR (ARCHITECTURE.md "API conventions"). */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  // A subgraph was down or slow: the client sees which (extensions.service) and can retry or show the rest.
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  // Automatic persisted queries: clients react to these codes by sending the full query.
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Apollo Server's own refusals of a malformed request (a mutation over GET, a
 * batched array, no query, no or an unknown operationName): the caller's
 * mistake, so BAD_USER_INPUT naming the part of the request at fault.
 */
function requestFieldOf(code: string, message: string): string | undefined {
  if (code === 'OPERATION_RESOLUTION_FAILURE') return 'operationName';
  if (code !== 'BAD_REQUEST') return undefined;
  const named = /`(\w+)`/.exec(message)?.[1];
  if (named && named !== 'query') return named;
  if (/\bGET\b|POST request|only GET\/POST/.test(message)) return 'method';
  if (/batch|POST body|no operations/i.test(message)) return 'body';
  if (/quer(y|ies)/i.test(message)) return 'query';
  return 'request';
}

/**
 * Refusals of a request that reach the formatter without a code, so Apollo
 * stamps INTERNAL_SERVER_ERROR on them, though the caller is at fault:
 * Apollo's own, raised with an HTTP 4xx status (an unsupported persisted-query
 * version), and graphql-js giving up on variables after 50 problems (the
 * problems before it carry their fields). Names the part of the request.
 */
function refusedRequestField(message: string, error: unknown): string | undefined {
  if (/^Too many errors processing variables/.test(message)) return 'variables';
  const ext = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } } | null)?.extensions;
  if (!ext || ext.code !== undefined) return undefined;
  const status = ext.http?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return /persisted query/i.test(message) ? 'extensions.persistedQuery' : 'request';
}

/**
 * Turns any error into what a client may see. Client errors keep their
 * message and code; GraphQL validation and variable-coercion errors become
 * BAD_USER_INPUT naming the offending field; anything else is an internal
 * error whose details stay in the logs. Stack traces never leave production.
 */
export function formatApiError(
  formatted: GraphQLFormattedError,
  options: { exposeStack: boolean },
  /** The error as raised (Apollo's second formatError argument), before Apollo gave it a default code. */
  error?: unknown,
): GraphQLFormattedError {
  const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
  const stack = options.exposeStack && ext.stacktrace ? { stacktrace: ext.stacktrace } : {};
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

  if (CLIENT_ERROR_CODES.has(code) && code !== 'BAD_USER_INPUT') {
    // serviceName is what @apollo/gateway stamps on every subgraph error: an internal detail (the
    // SERVICE_UNAVAILABLE/TIMEOUT errors name the subgraph deliberately, as `service`).
    const { stacktrace: _s, exception: _e, serviceName: _n, ...rest } = ext;
    return { ...base, extensions: { ...rest, code, ...stack } };
  }
  const requestField =
    requestFieldOf(code, formatted.message) ??
    (code === 'INTERNAL_SERVER_ERROR' ? refusedRequestField(formatted.message, error) : undefined);
  if (requestField) return { ...base, extensions: { code: 'BAD_USER_INPUT', field: requestField, ...stack } };
  if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED') {
    const field = typeof ext.field === 'string' ? ext.field : fieldFromMessage(formatted.message);
    // Several problems at once (e.g. every bad part of a segment rule), each with its field.
    const problems = Array.isArray(ext.problems) ? { problems: ext.problems } : {};
    return { ...base, extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}), ...problems, ...stack } };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...stack },
  };
}

/**
 * Recovers the offending field from graphql-js messages, e.g.
 * `Variable "$input" got invalid value 1 at "input.firstName"; …` → input.firstName,
 * `Field "nickname" is not defined by type "CreateContactInput".` → nickname.
 */
export function fieldFromMessage(message: string): string | undefined {
  const at = /got invalid value .* at "([^"]+)"/.exec(message);
  if (at) return at[1];
  const notDefined = /Field "([^"]+)" is not defined by type/.exec(message);
  if (notDefined) return notDefined[1];
  const required = /Field "(?:[^"]+\.)?([^"]+)" of required type .* was not provided/.exec(message);
  if (required) return required[1];
  const argument = /argument "([^"]+)"/i.exec(message);
  if (argument) return argument[1];
  const variable = /Variable "\$([^"]+)"/.exec(message);
  if (variable) return variable[1];
  return undefined;
}
