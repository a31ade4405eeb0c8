import type { EmailMessage, PushMessage, SmsMessage } from '@rapport/channels';
import type { SendChannel, TemplateContent } from '../vocabulary/messages';
import type { LinkSigner } from '../links/link-secret.store';
import { instrumentHtml, renderTemplate, type TemplateView } from '../templates/template-rules';

export interface RenderRequest {
  tenantId: string;
  messageId: string;
  channel: SendChannel;
  address: string;
  content: TemplateContent;
  view: TemplateView;
  /** Marketing and research mail carries an unsubscribe link and one-click headers; service mail does not. */
  unsubscribable: boolean;
  metadata: Record<string, string>;
}

export type RenderedMessage =
  { channel: 'EMAIL'; message: EmailMessage } | { channel: 'SMS'; message: SmsMessage } | { channel: 'PUSH'; message: PushMessage };

/**
 * One recipient's message: the template filled with their data, links in
 * HTML routed through the signed click redirect, an open pixel, and the
 * unsubscribe link (also offered to templates as {{unsubscribeUrl}}).
 */
export function renderMessage(req: RenderRequest, links: LinkSigner): RenderedMessage {
  const unsubscribeUrl = req.unsubscribable ? links.url('u', { k: 'unsubscribe', t: req.tenantId, m: req.messageId }) : null;
  const view: TemplateView = { ...req.view, unsubscribeUrl };
  const text = renderTemplate(req.content.text, view, 'text');
  const subject = req.content.subject ? renderTemplate(req.content.subject, view, 'text') : null;
  const base = { messageId: req.messageId, to: req.address, metadata: req.metadata };
  if (req.channel === 'SMS') return { channel: 'SMS', message: { ...base, text } };
  if (req.channel === 'PUSH') return { channel: 'PUSH', message: { ...base, text, ...(subject ? { title: subject } : {}) } };
  const html = req.content.html
    ? instrumentHtml(
        renderTemplate(req.content.html, view, 'html'),
        (url) => links.url('c', { k: 'click', t: req.tenantId, m: req.messageId, u: url }),
        links.url('o', { k: 'open', t: req.tenantId, m: req.messageId }, '.gif'),
      )
    : undefined;
  return {
    channel: 'EMAIL',
    message: { ...base, subject: subject ?? '', text, ...(html ? { html } : {}), ...(unsubscribeUrl ? { unsubscribeUrl } : {}) },
  };
}
