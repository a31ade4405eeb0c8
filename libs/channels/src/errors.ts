/**
 * The three ways a send can fail, so the caller's worker knows what to do
 * without parsing messages:
 *
 * - TransientChannelError — retry with backoff (network, timeouts, SMTP 4xx,
 *   HTTP 408/425/429/5xx, a channel that is shutting down).
 * - ChannelConfigurationError — our setup is wrong (credentials, sender
 *   refused, provider URL not speaking the wire format). Retrying the same job
 *   will not help and the recipient is not at fault: do not mark it bounced;
 *   fail the job and alert.
 * - InvalidMessageError — the message we built is malformed (a bug upstream).
 *
 * A permanent refusal of one recipient is not an error: send() resolves with
 * status BOUNCED.
 */
export abstract class ChannelError extends Error {
  /** True only for failures the caller should retry. */
  abstract readonly retryable: boolean;

  protected constructor(
    message: string,
    /** Provider code when there is one: SMTP reply code (`451 4.2.0`), HTTP status, Node error code. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class TransientChannelError extends ChannelError {
  readonly retryable = true;
  /** The provider asked for this much quiet (HTTP Retry-After); the backoff should be at least this long. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, code?: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, code, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export class ChannelConfigurationError extends ChannelError {
  readonly retryable = false;

  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

export class InvalidMessageError extends ChannelError {
  readonly retryable = false;

  constructor(
    /** The message field at fault, e.g. `to`, `headers.X-Campaign`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`, undefined);
  }
}

/** For a worker's catch block: should this failure be retried? */
export function isRetryable(err: unknown): boolean {
  return err instanceof ChannelError && err.retryable;
}
