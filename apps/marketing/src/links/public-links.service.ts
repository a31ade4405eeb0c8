import { Inject, Injectable } from '@nestjs/common';
import { parseDeliveryReceipt, ReceiptRejectedError } from '@rapport/channels';
import type { Logger } from '@rapport/observability';
import { LOGGER, ServiceDatabase } from '@rapport/service-kit';
import { markConfirmed } from '../consent/confirmations';
import { ConsentService } from '../consent/consent.service';
import { ChannelRegistry } from '../sending/channel-registry';
import { MessageLedger } from '../sending/message-ledger';
import type { Purpose, SendChannel } from '../vocabulary/messages';
import { LinkSigner } from './link-secret.store';

export type LinkOutcome = { ok: true; detail: string } | { ok: false; reason: 'INVALID' | 'EXPIRED' | 'UNKNOWN' };

/**
 * What the links in messages do, for recipients who are not signed in:
 * unsubscribe (an opt-out recorded with the message as proof), opens and
 * clicks, double opt-in confirmation; and the signed delivery receipts of
 * providers. A token that does not verify does nothing.
 */
@Injectable()
export class PublicLinks {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly db: ServiceDatabase,
    private readonly links: LinkSigner,
    private readonly ledger: MessageLedger,
    private readonly consent: ConsentService,
    private readonly channels: ChannelRegistry,
  ) {}

  async unsubscribe(token: string): Promise<LinkOutcome> {
    const payload = this.links.verify(token);
    if (payload?.k !== 'unsubscribe') return { ok: false, reason: 'INVALID' };
    const at = new Date();
    return this.db.withTenant(payload.t, async (em) => {
      const [message]: {
        contact_id: string;
        channel: SendChannel;
        purpose: Purpose;
        unsubscribed_at: Date | null;
      }[] = await em.query(
        `SELECT contact_id, channel, purpose, unsubscribed_at FROM messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [payload.t, payload.m],
      );
      if (!message) return { ok: false, reason: 'UNKNOWN' } as const;
      // The same link posted again (a retry, a mail scanner, a second click) changes nothing a second time.
      if (message.unsubscribed_at) return { ok: true, detail: message.channel } as const;
      const actor = { kind: 'customer' as const, id: message.contact_id };
      await this.consent.record(
        em,
        payload.t,
        actor,
        {
          contactId: message.contact_id,
          channel: message.channel,
          purpose: message.purpose,
          status: 'OPTED_OUT',
          source: 'unsubscribe-link',
          proof: `message:${payload.m}`,
        },
        at,
      );
      await this.ledger.unsubscribed(em, payload.t, payload.m, actor, at);
      return { ok: true, detail: message.channel } as const;
    });
  }

  async open(token: string): Promise<void> {
    const payload = this.links.verify(token.replace(/\.gif$/, ''));
    if (payload?.k === 'open') await this.ledger.opened(payload.t, payload.m);
  }

  /** The click's target (recorded first), or null for a token that does not verify. */
  async click(token: string): Promise<string | null> {
    const payload = this.links.verify(token);
    if (payload?.k !== 'click') return null;
    await this.ledger.clicked(payload.t, payload.m, payload.u);
    return payload.u;
  }

  async confirm(token: string): Promise<LinkOutcome> {
    const payload = this.links.verify(token);
    if (payload?.k !== 'confirm') return { ok: false, reason: 'INVALID' };
    const at = new Date();
    return this.db.withTenant(payload.t, async (em) => {
      const [row]: {
        contact_id: string;
        channel: 'EMAIL';
        purpose: Purpose;
        source: string;
        expires_at: Date;
        confirmed_at: Date | null;
      }[] = await em.query(
        `SELECT contact_id, channel, purpose, source, expires_at, confirmed_at FROM consent_confirmations WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [payload.t, payload.c],
      );
      if (!row) return { ok: false, reason: 'UNKNOWN' } as const;
      if (row.confirmed_at) return { ok: true, detail: 'already confirmed' } as const;
      if (row.expires_at.getTime() < at.getTime()) return { ok: false, reason: 'EXPIRED' } as const;
      await markConfirmed(em, payload.t, payload.c, at);
      await this.consent.record(
        em,
        payload.t,
        { kind: 'customer', id: row.contact_id },
        {
          contactId: row.contact_id,
          channel: row.channel,
          purpose: row.purpose,
          status: 'OPTED_IN',
          source: row.source,
          proof: `double-opt-in:${payload.c}`,
        },
        at,
      );
      return { ok: true, detail: 'confirmed' } as const;
    });
  }

  /**
   * A provider's signed delivery receipt: the message is delivered, or
   * bounced after all. Statuses only move forward, so a replayed or repeated
   * receipt changes nothing. FAILED (given up for now) is not a bounce.
   */
  async receipt(rawBody: Buffer, signature: string | undefined): Promise<'ACCEPTED' | 'REFUSED' | 'INVALID' | 'UNKNOWN'> {
    const secret = this.channels.webhookSecret();
    if (!secret) return 'REFUSED';
    let receipt;
    try {
      receipt = parseDeliveryReceipt(rawBody, signature, secret);
    } catch (err) {
      if (!(err instanceof ReceiptRejectedError)) throw err;
      this.logger.warn({ problem: err.problem, reason: err.message }, 'delivery receipt refused');
      return err.problem === 'signature' ? 'REFUSED' : 'INVALID';
    }
    // Receipts name the provider's id; which tenant's message it is, the message row says.
    const [message]: { id: string; tenant_id: string }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT id, tenant_id FROM messages WHERE provider_message_id = $1 LIMIT 1`, [receipt.providerMessageId]),
    );
    if (!message) return 'UNKNOWN';
    if (receipt.status === 'DELIVERED') await this.ledger.delivered(message.tenant_id, message.id, receipt.at);
    else if (receipt.status === 'BOUNCED')
      await this.ledger.bounced(message.tenant_id, message.id, receipt.reason ?? 'bounced', receipt.at);
    return 'ACCEPTED';
  }
}
