import { ChannelConfigurationError, TransientChannelError } from '../errors';
import type { SendResult } from '../message';

/** Statuses by which the wire format says "this recipient or message is refused for good". */
const BOUNCE_STATUSES = new Set([400, 404, 410, 422]);
/** Statuses that say "not now": the provider is overloaded, rate-limiting us, or broken for a while. */
const RETRY_STATUSES = new Set([408, 425, 429]);

/**
 * What a provider's HTTP answer means (see README "HTTP provider wire
 * format"): 2xx with `{ "id": … }` → SENT; 400/404/410/422 with
 * `{ "error": … }` → BOUNCED; 408/425/429/5xx → TransientChannelError
 * (honouring Retry-After); anything else — 401/403, other 4xx, or a body not
 * in the wire format — → ChannelConfigurationError, because a wrong URL or
 * key must never look like a bounce that would suppress the recipient.
 */
export function classifyProviderResponse(
  provider: string,
  status: number,
  body: unknown,
  retryAfter: string | null,
  now: Date = new Date(),
): SendResult | TransientChannelError | ChannelConfigurationError {
  const code = String(status);
  if (status >= 200 && status < 300) {
    const id = field(body, 'id');
    if (id !== undefined) return { status: 'SENT', providerMessageId: id };
    return new ChannelConfigurationError(`${provider} answered ${status} without a message id ({"id": "…"} expected)`, code);
  }
  if (RETRY_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    const reason = field(body, 'error');
    return new TransientChannelError(
      `${provider} answered ${status}${reason ? `: ${reason}` : ''}`,
      code,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  }
  const reason = field(body, 'error');
  if (BOUNCE_STATUSES.has(status) && reason !== undefined) return { status: 'BOUNCED', reason, code };
  if (status === 401 || status === 403)
    return new ChannelConfigurationError(`${provider} refused our API key (${status}${reason ? `: ${reason}` : ''})`, code);
  return new ChannelConfigurationError(
    `${provider} answered ${status}${reason ? `: ${reason}` : ' without {"error": "…"}'}; check the provider URL and the bridge's wire format`,
    code,
  );
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now: Date = new Date()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/ GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * A failed fetch: our timeout, the caller's abort, or the network (refused,
 * reset, DNS) — all worth another try. The provider may have taken the
 * message before a timeout; the Idempotency-Key lets it drop the repeat.
 */
export function classifyFetchFailure(provider: string, err: unknown, timeoutMs: number): Error {
  const error = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (error?.name === 'TimeoutError')
    return new TransientChannelError(`${provider} did not answer within ${timeoutMs} ms`, 'TIMEOUT', { cause: err });
  if (error?.name === 'AbortError') return new TransientChannelError(`sending to ${provider} was aborted`, 'ABORTED', { cause: err });
  // undici: "fetch failed" before an answer, "terminated" when the body breaks off. (By name: the
  // TypeError may come from another realm, such as Node's own under a Jest sandbox.)
  if (error?.name === 'TypeError' && (error.message === 'fetch failed' || error.message === 'terminated')) {
    const cause = error.cause;
    return new TransientChannelError(`${provider} unreachable: ${cause?.message ?? error.message}`, cause?.code ?? 'FETCH_FAILED', {
      cause: err,
    });
  }
  return typeof err === 'object' && err !== null ? (err as Error) : new Error(String(err));
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
