/**
 * Errors the Rapport API answers, typed by `extensions.code` — the API's
 * vocabulary (docs/adr/023-no-internal-errors-for-bad-input.md) — so callers
 * branch on a code the compiler knows instead of parsing messages.
 */

/** The codes the gateway and subgraphs answer; a newer server may add more (hence the open string). */
export type RapportErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'QUERY_TOO_COMPLEX'
  | 'PAYLOAD_TOO_LARGE'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | (string & {});

/** One error of a GraphQL answer, as the API formats it. */
export interface RapportGraphQLError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: {
    code?: RapportErrorCode;
    /** BAD_USER_INPUT and CONFLICT: the input field at fault, e.g. `input.events[2].cart.lines[0].quantity`. */
    field?: string;
    /** RATE_LIMITED: seconds to wait before trying again. */
    retryAfter?: number;
    [key: string]: unknown;
  };
}

/**
 * A call the API refused, or answered with errors. `code` and `field` are the
 * first error's; `errors` has them all and `data` whatever was answered beside
 * them (fields of other subgraphs still answer when one degrades).
 */
export class RapportError<Code extends RapportErrorCode = RapportErrorCode> extends Error {
  override readonly name = 'RapportError';

  constructor(
    message: string,
    readonly code: Code,
    readonly errors: readonly RapportGraphQLError[] = [],
    readonly data: unknown = null,
    /** The HTTP status of the answer (0 when none came). */
    readonly status = 0,
    /** RATE_LIMITED: seconds to wait, from extensions.retryAfter or the Retry-After header. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** BAD_USER_INPUT (and some CONFLICTs): the input field the first error names. */
  get field(): string | undefined {
    return this.errors[0]?.extensions?.field;
  }
}

/** True when `err` is a RapportError, with this code when one is given (narrowing `err.code`). */
export function isRapportError<Code extends RapportErrorCode>(err: unknown, code?: Code): err is RapportError<Code> {
  return err instanceof RapportError && (code === undefined || err.code === code);
}

/** A RapportError for an answer with `errors`, or for an HTTP failure without a GraphQL body. */
export function errorFromAnswer(
  errors: readonly RapportGraphQLError[] | undefined,
  data: unknown,
  status: number,
  retryAfterHeader: string | null,
): RapportError {
  const hinted = Number(errors?.[0]?.extensions?.retryAfter ?? retryAfterHeader ?? NaN);
  const retryAfter = Number.isFinite(hinted) && hinted >= 0 ? hinted : null;
  if (!errors?.length) {
    const code = status === 429 ? 'RATE_LIMITED' : status === 401 ? 'UNAUTHENTICATED' : 'SERVICE_UNAVAILABLE';
    return new RapportError(`HTTP ${status} without a GraphQL answer`, code, [], data, status, retryAfter);
  }
  return new RapportError(
    errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '),
    errors[0].extensions?.code ?? 'INTERNAL_SERVER_ERROR',
    errors,
    data,
    status,
    retryAfter,
  );
}
