import type { InboundMessage } from './inbound-message';

const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);

/**
 * Why an inbound message must not open or touch a case, or null when it is
 * a person writing. Answering machines (RFC 3834 Auto-Submitted, Microsoft's
 * X-Auto-Response-Suppress, Precedence), bounces (the null return path,
 * multipart/report), and our own mail coming back (X-Rapport-Message-Id, a
 * Message-ID of our domain, a sender at the support domain) would otherwise
 * open cases and be acknowledged — two robots writing to each other for ever.
 */
export function ignoreReason(message: InboundMessage, own: { inboundDomain: string; messageIdDomain: string | null }): string | null {
  const h = message.headers;
  const autoSubmitted = h['auto-submitted']?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  if (h['x-auto-response-suppress'] !== undefined) return `X-Auto-Response-Suppress: ${h['x-auto-response-suppress'].trim()}`;
  const precedence = h['precedence']?.trim().toLowerCase();
  if (precedence && BULK_PRECEDENCE.has(precedence)) return `Precedence: ${precedence}`;
  if (h['x-autoreply'] !== undefined || h['x-autorespond'] !== undefined) return 'X-Autoreply';
  if (message.returnPath === '' || /^<\s*>$/.test(h['return-path']?.trim() ?? '')) return 'null return path (a bounce or delivery report)';
  if (/^multipart\/report\b/i.test(h['content-type']?.trim() ?? '')) return 'delivery or disposition report (multipart/report)';
  if (h['x-rapport-message-id'] !== undefined) return 'sent by Rapport itself (mail loop)';
  const idDomain = message.messageId.split('@')[1]?.toLowerCase();
  if (own.messageIdDomain && idDomain === own.messageIdDomain.toLowerCase()) return 'Message-ID of our own domain (mail loop)';
  if (!message.from) return 'no sender address';
  if (message.from.address.toLowerCase().endsWith(`@${own.inboundDomain.toLowerCase()}`)) return 'sent from the support domain (mail loop)';
  return null;
}
