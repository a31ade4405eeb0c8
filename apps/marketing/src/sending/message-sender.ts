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
      return this.recordError(m, err);
    }
    return this.recordResult(m, result);
  }

  /**
   * `deliver` for a claimed batch of one tenant: every message is handed to
   * its channel at once (the email channel's SMTP pool spreads them over its
   * connections), the SENT ones are recorded together in one transaction
   * (MessageLedger.sentMany), the rest one by one as `deliver` records them.
   * Only once everything that can be recorded is, the first error that
   * `deliver` would rethrow is rethrown (the job retries; what was left
   * SENDING is never resent).
   */
  async deliverMany(messages: readonly ClaimedMessage[]): Promise<DeliveryOutcome[]> {
    const results = await Promise.allSettled(messages.map(async (m) => this.send(m)));
    const sent: { messageId: string; providerMessageId: string }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value.status === 'SENT')
        sent.push({ messageId: messages[i].messageId, providerMessageId: r.value.providerMessageId });
    });
    if (sent.length > 0) await this.ledger.sentMany(messages[0].tenantId, sent);
    const outcomes: DeliveryOutcome[] = [];
    let rethrow: unknown = null;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const r = results[i];
      try {
        outcomes.push(r.status === 'fulfilled' ? await this.recordResult(m, r.value, true) : await this.recordError(m, r.reason));
      } catch (err) {
        rethrow ??= err;
        outcomes.push('FAILED');
      }
    }
    if (rethrow) throw rethrow;
    return outcomes;
  }

  /** Records a send's result (SENT unless `sentRecorded` says the batch did it already). */
  private async recordResult(m: ClaimedMessage, result: SendResult, sentRecorded = false): Promise<DeliveryOutcome> {
    if (result.status === 'SENT') {
      if (!sentRecorded) await this.ledger.sent(m.tenantId, m.messageId, result.providerMessageId);
      return 'SENT';
    }
    await this.ledger.bounced(m.tenantId, m.messageId, `${result.code} ${result.reason}`);
    return 'BOUNCED';
  }

  /** What a failed send leaves: released (not sent, retry later — rethrown), FAILED (our mistake), or SENDING (unknown — rethrown). */
  private async recordError(m: ClaimedMessage, err: unknown): Promise<DeliveryOutcome> {
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
