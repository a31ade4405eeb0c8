import { Inject, Injectable } from '@nestjs/common';
import { ChannelConfigurationError, InvalidMessageError, TransientChannelError, type SendResult } from '@rapport/channels';
import type { Logger } from '@rapport/observability';
import { LOGGER } from '@rapport/service-kit';
import type { Purpose, SendChannel, TemplateContent } from '../vocabulary/messages';
import { LinkSigner } from '../links/link-secret.store';
import type { TemplateView } from '../templates/template-rules';
import { ChannelRegistry } from './channel-registry';
import { MessageLedger } from './message-ledger';
import { renderMessage } from './render-message';

/** A message whose row is written (status SENDING): all that is left is to send it. */
export interface ClaimedMessage {
  tenantId: string;
  messageId: string;
  contactId: string;
  channel: SendChannel;
  purpose: Purpose;
  address: string;
  content: TemplateContent;
  view: TemplateView;
  metadata: Record<string, string>;
}

export type DeliveryOutcome = 'SENT' | 'BOUNCED' | 'FAILED';

/**
 * Renders and sends one claimed message and records what happened:
 * SENT or BOUNCED (the address is suppressed). A transient failure or a
 * broken provider setup hands the message back (it was not sent) and
 * rethrows, so the job retries later with backoff. A message we built
 * wrong fails alone. Anything else leaves the row SENDING: whether it went
 * out is unknown, and a retry marks it INTERRUPTED rather than risk
 * sending it twice.
 */
@Injectable()
export class MessageSender {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly links: LinkSigner,
    private readonly ledger: MessageLedger,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async deliver(m: ClaimedMessage, signal?: AbortSignal): Promise<DeliveryOutcome> {
    let result: SendResult;
    try {
      result = await this.send(m, signal);
    } catch (err) {
      if (err instanceof TransientChannelError || err instanceof ChannelConfigurationError) {
        await this.ledger.release(m.tenantId, m.messageId);
        throw err;
      }
      if (err instanceof InvalidMessageError) {
        this.logger.error({ err, messageId: m.messageId, tenantId: m.tenantId }, 'message could not be built');
        await this.ledger.failed(m.tenantId, m.messageId, err.message);
        return 'FAILED';
      }
      throw err;
    }
    if (result.status === 'SENT') {
      await this.ledger.sent(m.tenantId, m.messageId, result.providerMessageId);
      return 'SENT';
    }
    await this.ledger.bounced(m.tenantId, m.messageId, `${result.code} ${result.reason}`);
    return 'BOUNCED';
  }

  private send(m: ClaimedMessage, signal?: AbortSignal): Promise<SendResult> {
    const rendered = renderMessage(
      {
        tenantId: m.tenantId,
        messageId: m.messageId,
        channel: m.channel,
        address: m.address,
        content: m.content,
        view: m.view,
        unsubscribable: m.purpose !== 'SERVICE',
        metadata: m.metadata,
      },
      this.links,
    );
    const options = signal ? { signal } : {};
    switch (rendered.channel) {
      case 'EMAIL':
        return this.channels.emailChannel().send(rendered.message, options);
      case 'SMS':
        return this.channels.smsChannel().send(rendered.message, options);
      case 'PUSH':
        return this.channels.pushChannel().send(rendered.message, options);
    }
  }
}
