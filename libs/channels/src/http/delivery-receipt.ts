import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a provider signs its delivery callbacks with: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-rapport-signature';

export type DeliveryStatus = 'DELIVERED' | 'BOUNCED' | 'FAILED';
const STATUSES: readonly DeliveryStatus[] = ['DELIVERED', 'BOUNCED', 'FAILED'];

/** A provider's word on what became of a message it took. */
export interface DeliveryReceipt {
  /** The id the provider answered the send with. */
  providerMessageId: string;
  /** Our message id, when the provider echoes it. */
  messageId?: string;
  /** DELIVERED: on the handset/device. BOUNCED: refused for good (number or token dead). FAILED: given up on (expired, undeliverable for now). */
  status: DeliveryStatus;
  at: Date;
  reason?: string;
}

/** Why a callback was not accepted: a bad signature (answer 401) or a body not in the format (answer 400). */
export class ReceiptRejectedError extends Error {
  constructor(
    readonly problem: 'signature' | 'body',
    message: string,
  ) {
    super(message);
    this.name = 'ReceiptRejectedError';
  }
}

/** `sha256=<hex>` for a raw body; what a provider (or the test provider) puts in SIGNATURE_HEADER. */
export function signReceipt(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of a SIGNATURE_HEADER value against the raw body, exactly as received. */
export function verifyReceiptSignature(rawBody: string | Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (secret === '' || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (match === null) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/**
 * Verifies a delivery callback and reads it. Pass the raw body bytes (before
 * any JSON middleware re-serialises them) and the SIGNATURE_HEADER value.
 * Throws ReceiptRejectedError naming the problem.
 */
export function parseDeliveryReceipt(rawBody: string | Buffer, header: string | string[] | undefined, secret: string): DeliveryReceipt {
  if (!verifyReceiptSignature(rawBody, header, secret)) {
    throw new ReceiptRejectedError('signature', `${SIGNATURE_HEADER} is missing or does not match the body`);
  }
  let body: unknown;
  try {
    body = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new ReceiptRejectedError('body', 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ReceiptRejectedError('body', 'body must be a JSON object');
  const { id, messageId, status, at, reason } = body as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') throw new ReceiptRejectedError('body', 'id: the provider message id is required');
  if (!STATUSES.includes(status as DeliveryStatus))
    throw new ReceiptRejectedError('body', `status: expected one of ${STATUSES.join(', ')}`);
  const when = typeof at === 'string' ? parseInstant(at) : undefined;
  if (when === undefined) throw new ReceiptRejectedError('body', 'at: expected an ISO-8601 time with a zone, e.g. 2026-05-01T10:00:00Z');
  if (messageId !== undefined && (typeof messageId !== 'string' || messageId === ''))
    throw new ReceiptRejectedError('body', 'messageId: must be a string');
  if (reason !== undefined && typeof reason !== 'string') throw new ReceiptRejectedError('body', 'reason: must be a string');
  return {
    providerMessageId: id,
    status: status as DeliveryStatus,
    at: when,
    ...(messageId !== undefined ? { messageId } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

/** An ISO-8601 instant with a zone; undefined for anything else, including dates that do not exist (Feb 31). */
function parseInstant(text: string): Date | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  return new Date(text);
}
