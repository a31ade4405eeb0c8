import { InvalidMessageError } from './errors';

/**
 * Checks shared by every channel. A malformed message is a bug upstream and
 * throws InvalidMessageError naming the field; a recipient that cannot exist
 * (not an address, not a number) is the contact's data and becomes a BOUNCED
 * result instead, so the caller records it like any other hard bounce.
 */

/** dot-atom text, so the id can be the left half of a Message-ID: UUIDs and similar. */
const MESSAGE_ID = /^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*$/;
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const LINE_BREAK = /[\r\n]/;

export function checkMessageId(messageId: unknown): asserts messageId is string {
  if (typeof messageId !== 'string' || messageId.length === 0) throw new InvalidMessageError('messageId', 'is required');
  if (messageId.length > 200 || !MESSAGE_ID.test(messageId)) {
    throw new InvalidMessageError(
      'messageId',
      `must be letters, digits, "_", "+", "-" and single dots, at most 200 (got ${JSON.stringify(messageId)})`,
    );
  }
}

export function checkMetadata(metadata: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (!METADATA_KEY.test(key)) throw new InvalidMessageError(`metadata.${key}`, 'keys are letters, digits and "-", at most 64');
    checkSingleLine(`metadata.${key}`, value);
  }
}

/** A line break in a header value would let content inject headers of its own. */
export function checkSingleLine(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new InvalidMessageError(field, 'must be a string');
  if (LINE_BREAK.test(value)) throw new InvalidMessageError(field, 'must not contain line breaks');
}

export function checkText(field: string, value: unknown, options: { required: boolean }): void {
  if (value === undefined && !options.required) return;
  if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidMessageError(field, 'must be a non-empty string');
}

/**
 * One mailbox, deliberately loose (the receiving server is the judge): one
 * "@", something on both sides, a dot in the domain, no spaces or address
 * punctuation that would turn it into a list or a display name.
 */
export function emailAddressProblem(address: unknown): string | null {
  if (typeof address !== 'string' || address.length === 0) return 'no email address';
  if (address.length > 254) return 'email address longer than 254 characters';
  if (!/^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+\.[^\s@<>()[\],;:"\\.][^\s@<>()[\],;:"\\]*$/.test(address)) {
    return `not an email address: ${JSON.stringify(address)}`;
  }
  return null;
}

/** E.164: "+", country code, subscriber number, 8 to 15 digits in all. */
export function phoneNumberProblem(number: unknown): string | null {
  if (typeof number !== 'string' || number.length === 0) return 'no phone number';
  if (!/^\+[1-9]\d{7,14}$/.test(number)) return `not an E.164 phone number (+ and 8 to 15 digits): ${JSON.stringify(number)}`;
  return null;
}

/** Push tokens are opaque; all we can say is that one is there and prints on one line. */
export function deviceTokenProblem(token: unknown): string | null {
  if (typeof token !== 'string' || token.length === 0) return 'no device token';
  if (token.length > 4096 || /\s/.test(token)) return 'not a device token (whitespace or longer than 4096 characters)';
  return null;
}
