import { randomBytes } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import * as base64 from 'nodemailer/lib/base64';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import * as qp from 'nodemailer/lib/qp';

/**
 * The RFC 5322 text of one simple email (text, HTML or both), written in one
 * pass. nodemailer's MailComposer builds a tree of MIME nodes and streams each
 * through encoder transforms; for a campaign that was about 2.7 ms of CPU per
 * message, more than everything else a send costs (ADR 067). This writes the
 * same message nodemailer wrote for these inputs — same headers in the same
 * order and spelling (its key casing, RFC 2047 encoded words, folding at 76),
 * the same choice of 7bit, quoted-printable or base64 per part, and a
 * multipart/alternative body for text plus HTML — using nodemailer's own
 * encoding functions, only without the node tree and the streams. The
 * boundary and Date differ per message anyway.
 */
export interface MimeParts {
  /** The whole From header value, as formatted once by `formatFrom`. */
  from: string;
  /** A plain address (PLAIN_RECIPIENT); anything else goes through nodemailer's own composer. */
  to: string;
  subject: string;
  /** With angle brackets: `<id@domain>`. */
  messageId: string;
  /** Extra headers in order, names as given (normalised here like nodemailer does). */
  headers: readonly (readonly [string, string])[];
  /** The List-Unsubscribe URL (a URL's href), if any. */
  listUnsubscribe?: string;
  text?: string;
  html?: string;
}

/**
 * Recipients written as they are: an ASCII dot-atom mailbox, which nodemailer
 * would neither quote nor punycode. Others (an IDN domain, a UTF-8 local part)
 * are rare and keep going through nodemailer's composer, which handles them.
 */
export const PLAIN_RECIPIENT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

const CRLF = '\r\n';
const LINE_BREAKS = /\r\n|\r|\n/g;

/** A per-process random prefix and a counter: unique boundaries without a random draw per message. */
const BOUNDARY_PREFIX = randomBytes(6).toString('hex');
let boundaryCounter = 0;

/** `Mon, 07 Dec 2026 05:52:01 +0000`, as nodemailer writes Date; recomputed once a second, not per message. */
let dateSecond = -1;
let dateText = '';
function dateHeader(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString().replace(/GMT/, '+0000');
  }
  return dateText;
}

export function buildMimeMessage(parts: MimeParts, now = Date.now()): string {
  const lines: string[] = [];
  for (const [name, value] of parts.headers) lines.push(header(headerKey(name), headerText(value)));
  lines.push(header('From', parts.from), header('To', parts.to), header('Subject', headerText(parts.subject)));
  lines.push(header('Message-ID', parts.messageId));
  // nodemailer writes List-* values prepared (not encoded), folded at 76.
  if (parts.listUnsubscribe !== undefined) lines.push(fold(`List-Unsubscribe: ${listUrl(parts.listUnsubscribe)}`));
  const text = parts.text !== undefined ? encodeBody(parts.text) : undefined;
  const html = parts.html !== undefined ? encodeBody(parts.html) : undefined;
  if (text !== undefined && html !== undefined) {
    let boundary = nextBoundary();
    while (text.body.includes(boundary) || html.body.includes(boundary)) boundary = nextBoundary();
    lines.push(`Date: ${dateHeader(now)}`, 'MIME-Version: 1.0', `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`);
    return (
      `${lines.join(CRLF)}${CRLF}${CRLF}` +
      `--${boundary}${CRLF}${partHeaders('text/plain', text.encoding)}${CRLF}${CRLF}${text.body}${CRLF}` +
      `--${boundary}${CRLF}${partHeaders('text/html', html.encoding)}${CRLF}${CRLF}${html.body}${CRLF}` +
      `--${boundary}--${CRLF}`
    );
  }
  const only = (text ?? html) as EncodedBody;
  lines.push(
    `Content-Transfer-Encoding: ${only.encoding}`,
    `Date: ${dateHeader(now)}`,
    'MIME-Version: 1.0',
    `Content-Type: ${text !== undefined ? 'text/plain' : 'text/html'}; charset=utf-8`,
  );
  return `${lines.join(CRLF)}${CRLF}${CRLF}${only.body}${CRLF}`;
}

/**
 * The message nodemailer would compose from `mail` (composeEmail's options),
 * written by buildMimeMessage and handed to the transport as `raw` with its
 * envelope: nodemailer then only speaks SMTP. `from` is formatFrom's header
 * for the sender's address; the recipient must be PLAIN_RECIPIENT.
 */
export function prebuiltMail(mail: SendMailOptions, fromAddress: string, from: string, now = Date.now()): SendMailOptions {
  const raw = buildMimeMessage(
    {
      from,
      to: mail.to as string,
      subject: mail.subject as string,
      messageId: mail.messageId as string,
      headers: Object.entries((mail.headers ?? {}) as Record<string, string>),
      ...(mail.list?.unsubscribe !== undefined ? { listUnsubscribe: mail.list.unsubscribe as string } : {}),
      ...(mail.text !== undefined ? { text: mail.text as string } : {}),
      ...(mail.html !== undefined ? { html: mail.html as string } : {}),
    },
    now,
  );
  // messageId: so the transport does not draw a random one for a header the raw text already has.
  return { envelope: { from: fromAddress, to: [mail.to as string] }, raw, messageId: mail.messageId };
}

/** The From header value for a configured sender (`Name <addr>`, the name quoted or RFC 2047 encoded as nodemailer does). */
export function formatFrom(name: string, address: string): string {
  if (name === '') return address;
  if (/^[\w ]*$/.test(name)) return `${name} <${address}>`;
  const encoded = /^[\x20-\x7e]*$/.test(name) ? mimeFuncs.quoteString(name) : mimeFuncs.encodeWord(name, textEncoding(name), 52);
  return `${encoded} <${address}>`;
}

/**
 * nodemailer's header key casing: Camel-Case words, MIME and a few
 * abbreviations upper case (`X-Rapport-Meta-tenant` → `X-Rapport-Meta-Tenant`,
 * `X-Rapport-Message-Id` → `X-Rapport-Message-ID`).
 */
export function headerKey(key: string): string {
  let cased = headerKeys.get(key);
  if (cased === undefined) {
    cased = caseHeaderKey(key);
    if (headerKeys.size < HEADER_KEYS_KEPT) headerKeys.set(key, cased);
  }
  return cased;
}

/** The same few names (X-Rapport-Message-Id, X-Rapport-Meta-*) go on every message: cased once each (a bounded memo). */
const headerKeys = new Map<string, string>();
const HEADER_KEYS_KEPT = 1000;

function caseHeaderKey(key: string): string {
  return key
    .replace(/[^!-9;-~]/g, '') // printable ASCII but the colon: what a field name may hold
    .toLowerCase()
    .replace(/^X-SMTPAPI$|^(MIME|DKIM|ARC|BIMI)\b|^OTP(?=-Token$)|^[a-z]|-(SPF|FBL|ID|MD5)$|-[a-z]/gi, (c) => c.toUpperCase())
    .replace(/^Content-Features$/i, 'Content-features');
}

interface EncodedBody {
  encoding: '7bit' | 'quoted-printable' | 'base64';
  body: string;
}

/**
 * nodemailer's choice for a text part: 7bit when it is plain ASCII with lines
 * of at most 76, otherwise quoted-printable when Latin letters outnumber the
 * rest, base64 when not (CJK, emoji-heavy text).
 */
function encodeBody(content: string): EncodedBody {
  if (mimeFuncs.isPlainText(content) && !mimeFuncs.hasLongerLines(content, 76)) {
    return { encoding: '7bit', body: content.replace(LINE_BREAKS, CRLF) };
  }
  // Encoded from the text as given, like nodemailer's encoders (where a soft break falls depends on the line breaks);
  // the line breaks QP keeps literal go out as CRLF, as its newline transform writes them.
  const bytes = Buffer.from(content, 'utf8');
  if (textEncoding(content) === 'Q')
    return { encoding: 'quoted-printable', body: qp.wrap(qp.encode(bytes), 76).replace(LINE_BREAKS, CRLF) };
  return { encoding: 'base64', body: base64.wrap(base64.encode(bytes), 76) };
}

function partHeaders(type: string, encoding: string): string {
  return `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: ${encoding}`;
}

function nextBoundary(): string {
  boundaryCounter = (boundaryCounter + 1) % 0x1000000;
  return `--_RpT-${BOUNDARY_PREFIX}${boundaryCounter.toString(16).padStart(6, '0')}-Part_1`;
}

function header(key: string, value: string): string {
  return fold(`${key}: ${value}`);
}

/** foldLines leaves a line shorter than 76 as it is; skip the call for those (most headers). */
function fold(line: string): string {
  return line.length < 76 ? line : mimeFuncs.foldLines(line, 76);
}

/** An unstructured header value: encoded words (Q or B) when it is not plain ASCII (or holds a quote or `=?`), as nodemailer does. */
function headerText(value: string): string {
  const clean = value.replace(/\r?\n|\r/g, ' ');
  if (hasControl(clean)) return mimeFuncs.encodeWord(clean, textEncoding(clean), 52);
  return mimeFuncs.encodeWords(clean, textEncoding(clean), 52, true);
}

function listUrl(url: string): string {
  const visible = hasControl(url) ? [...url].filter((c) => !isControl(c.charCodeAt(0))).join('') : url;
  const cleaned = visible.replace(/[\s<]+|[\s>]+/g, '');
  return /^(https?|mailto|ftp):/.test(cleaned) ? `<${cleaned}>` : `<http://${cleaned}>`;
}

/** A control character other than TAB, LF and CR (which a header value cannot carry as it is), or DEL. */
function isControl(code: number): boolean {
  return code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code === 0x7f;
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isControl(value.charCodeAt(i))) return true;
  return false;
}

/** Q when Latin letters outnumber binary and non-ASCII characters, otherwise B (nodemailer's _getTextEncoding). */
function textEncoding(value: string): 'Q' | 'B' {
  let nonLatin = 0;
  let latin = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code >= 0x80) nonLatin++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin++;
  }
  return nonLatin < latin ? 'Q' : 'B';
}
