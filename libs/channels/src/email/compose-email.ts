import type { SendMailOptions } from 'nodemailer';
import { InvalidMessageError } from '../errors';
import type { EmailMessage } from '../message';
import { checkMessageId, checkMetadata, checkSingleLine, checkText } from '../validation';
import type { Sender } from './sender';

/** Headers the channel sets itself; a message's extra headers may not replace them. */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'return-path',
  'list-unsubscribe',
  'list-unsubscribe-post',
]);
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The headers that carry our id and metadata, also in a raw message read back later. */
export const MESSAGE_ID_HEADER = 'X-Rapport-Message-Id';
export const METADATA_HEADER_PREFIX = 'X-Rapport-Meta-';

/**
 * Turns one EmailMessage into nodemailer's options: Message-ID
 * `<messageId@sender-domain>` (and X-Rapport-Message-Id, which survives
 * relays that rewrite Message-ID) so a bounce can be traced to the send,
 * List-Unsubscribe (+ RFC 8058 one-click for https), metadata headers, and
 * text/html parts (both: multipart/alternative). The recipient is checked by
 * the caller (a bad one is a bounce, not an error).
 */
export function composeEmail(message: EmailMessage, sender: Sender): SendMailOptions {
  checkMessageId(message.messageId);
  checkText('subject', message.subject, { required: true });
  checkSingleLine('subject', message.subject);
  if (message.text === undefined && message.html === undefined) throw new InvalidMessageError('text', 'an email needs text, html or both');
  checkText('text', message.text, { required: false });
  checkText('html', message.html, { required: false });
  checkMetadata(message.metadata);

  const headers: Record<string, string> = { ...extraHeaders(message.headers), [MESSAGE_ID_HEADER]: message.messageId };
  for (const [key, value] of Object.entries(message.metadata ?? {})) headers[`${METADATA_HEADER_PREFIX}${key}`] = value;

  const options: SendMailOptions = {
    from: sender.from,
    to: message.to,
    subject: message.subject,
    messageId: messageIdHeader(message.messageId, sender.domain),
    headers,
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.html !== undefined ? { html: message.html } : {}),
  };
  if (message.unsubscribeUrl !== undefined) {
    const url = unsubscribeUrl(message.unsubscribeUrl);
    options.list = { unsubscribe: url.href };
    // RFC 8058: one-click needs an HTTPS URI that takes a POST without a login.
    if (url.protocol === 'https:') headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return options;
}

/** `<id@domain>`: the form RFC 5322 gives a Message-ID. */
export function messageIdHeader(messageId: string, domain: string): string {
  return `<${messageId}@${domain}>`;
}

/**
 * Our message id back out of a Message-ID header (for example the one quoted
 * in a bounce report), or null when it was not made by messageIdHeader for
 * this domain.
 */
export function messageIdFromHeader(header: string, domain: string): string | null {
  const match = /^\s*<([^<>@\s]+)@([^<>@\s]+)>\s*$/.exec(header);
  if (match === null || match[2].toLowerCase() !== domain.toLowerCase()) return null;
  return match[1];
}

function extraHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const field = `headers.${name}`;
    if (!HEADER_NAME.test(name)) throw new InvalidMessageError(field, 'is not a header name (letters, digits and "-")');
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower) || lower.startsWith('content-') || lower.startsWith('x-rapport-')) {
      throw new InvalidMessageError(field, 'is set by the email channel and cannot be overridden');
    }
    checkSingleLine(field, value);
    out[name] = value;
  }
  return out;
}

function unsubscribeUrl(raw: string): URL {
  checkSingleLine('unsubscribeUrl', raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidMessageError('unsubscribeUrl', `not a URL: ${JSON.stringify(raw)}`);
  }
  if (!['https:', 'http:', 'mailto:'].includes(url.protocol)) {
    throw new InvalidMessageError('unsubscribeUrl', 'must be an https, http or mailto URL');
  }
  return url;
}
