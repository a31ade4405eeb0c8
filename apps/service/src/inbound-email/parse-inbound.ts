import { createHash } from 'node:crypto';
import type { AddressObject } from 'mailparser';
import type { InboundMessage } from './inbound-message';

export interface Envelope {
  /** MAIL FROM; '' for the null sender. */
  from: string;
  to: string[];
}

/**
 * Reads a raw RFC 5322 message. With an SMTP envelope the recipients and
 * return path are the envelope's; without one (a provider's webhook) they
 * come from the message: To, Cc, Delivered-To, X-Original-To, Return-Path.
 */
export async function parseInbound(raw: Buffer, envelope: Envelope | null): Promise<InboundMessage> {
  // Loaded at the first message read rather than at every start of the service (ADR 088).
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    if (key in headers) continue;
    headers[key] = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n(?=[ \t])/g, '')
      .trim();
  }
  const from = parsed.from?.value[0];
  const headerRecipients = [
    ...addresses(parsed.to),
    ...addresses(parsed.cc),
    ...['delivered-to', 'x-original-to'].flatMap((k) => (headers[k] ? [headers[k].replace(/[<>]/g, '').trim()] : [])),
  ];
  const returnPath = headers['return-path'];
  return {
    messageId: parsed.messageId?.replace(/^<|>$/g, '').trim() || `sha256-${createHash('sha256').update(raw).digest('hex')}`,
    from: from?.address ? { address: from.address.toLowerCase(), name: from.name || null } : null,
    recipients: (envelope ? envelope.to : headerRecipients).map((a) => a.toLowerCase()),
    returnPath: envelope ? envelope.from : returnPath !== undefined ? returnPath.replace(/[<>\s]/g, '') : null,
    subject: (parsed.subject ?? '').trim(),
    text: (parsed.text ?? '').trim(),
    headers,
    attachments: parsed.attachments
      .filter((a) => a.contentDisposition !== 'inline' || a.filename)
      .map((a, i) => ({
        fileName: a.filename ?? `attachment-${i + 1}`,
        contentType: a.contentType || 'application/octet-stream',
        size: a.size ?? a.content.length,
        content: a.content,
      })),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((o) => o.value.flatMap((v) => (v.address ? [v.address] : [])));
}
