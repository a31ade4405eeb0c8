import { Injectable } from '@nestjs/common';
import {
  MESSAGE_BOUNCED,
  MESSAGE_CLICKED,
  MESSAGE_DELIVERED,
  MESSAGE_OPENED,
  MESSAGE_SENT,
  MESSAGE_UNSUBSCRIBED,
  SYSTEM_ACTOR,
  type EventActor,
  type EventEnvelope,
  type MessageEventTypeV1,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { recipientBounced, recipientFailed, recipientReleased, recipientSent, recipientsSent } from '../campaigns/recipient-outcomes';
import { suppressBouncedAddress } from '../consent/bounced-addresses';
import { touchContact, touchContacts } from '../read-model/contact-touches';
import type { SendChannel } from '../vocabulary/messages';

interface MessageRow {
  id: string;
  contact_id: string;
  channel: SendChannel;
  campaign_id: string | null;
  variant_key: string | null;
  journey_id: string | null;
  address: string;
}

const RETURNING = `RETURNING id, contact_id, channel, campaign_id, variant_key, journey_id, address`;

/**
 * Where each message is in its life, and the marketing.message.* event for
 * every step, written together. Updates are guarded by the status they move
 * from, so a late or repeated report (a provider retrying its receipt, a
 * second click on the pixel) changes nothing twice.
 */
@Injectable()
export class MessageLedger {
  constructor(private readonly db: ServiceDatabase) {}

  async sent(tenantId: string, messageId: string, providerMessageId: string, at = new Date()): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow>(
        await em.query(
          `UPDATE messages SET status = 'SENT', provider_message_id = $3, sent_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' ${RETURNING}`,
          [tenantId, messageId, providerMessageId, at],
        ),
      );
      if (!row) return;
      if (row.campaign_id) await recipientSent(em, row.campaign_id, row.contact_id, messageId, at);
      await touchContact(em, tenantId, row.contact_id, at);
      await this.publish(em, tenantId, MESSAGE_SENT, row, at, providerMessageId);
    });
  }

  /**
   * `sent` for many messages of a tenant in one transaction (a campaign's
   * claimed batch): set-based updates of messages, recipients and touches,
   * and one marketing.message.sent event per message moved.
   */
  async sentMany(tenantId: string, sent: readonly { messageId: string; providerMessageId: string }[], at = new Date()): Promise<void> {
    if (sent.length === 0) return;
    await this.db.withTenant(tenantId, async (em) => {
      const rows = returnedRows<MessageRow & { provider_message_id: string }>(
        await em.query(
          `UPDATE messages m SET status = 'SENT', provider_message_id = v.provider_id, sent_at = $4
             FROM unnest($2::uuid[], $3::text[]) AS v(id, provider_id)
            WHERE m.tenant_id = $1 AND m.id = v.id AND m.status = 'SENDING'
           RETURNING m.id, m.contact_id, m.channel, m.campaign_id, m.variant_key, m.journey_id, m.address, m.provider_message_id`,
          [tenantId, sent.map((s) => s.messageId), sent.map((s) => s.providerMessageId), at],
        ),
      );
      if (rows.length === 0) return;
      await recipientsSent(
        em,
        rows.filter((r) => r.campaign_id).map((r) => ({ campaignId: r.campaign_id as string, contactId: r.contact_id, messageId: r.id })),
        at,
      );
      await touchContacts(
        em,
        tenantId,
        rows.map((r) => ({ contactId: r.contact_id, at })),
      );
      await this.db.publishMany(
        em,
        rows.map((r) => this.event(tenantId, MESSAGE_SENT, r, at, r.provider_message_id)),
      );
    });
  }

  /** A permanent refusal: the message bounced and its address goes on the suppression list. */
  async bounced(tenantId: string, messageId: string, reason: string, at = new Date()): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow>(
        await em.query(
          `UPDATE messages SET status = 'BOUNCED', bounced_at = $3, detail = $4
            WHERE tenant_id = $1 AND id = $2 AND status IN ('SENDING', 'SENT', 'DELIVERED') ${RETURNING}`,
          [tenantId, messageId, at, reason.slice(0, 1000)],
        ),
      );
      if (!row) return;
      if (row.campaign_id) await recipientBounced(em, row.campaign_id, row.contact_id, messageId, at);
      await suppressBouncedAddress(em, tenantId, row.channel, row.address, reason.slice(0, 1000));
      await this.publish(em, tenantId, MESSAGE_BOUNCED, row, at, reason.slice(0, 1000));
    });
  }

  /** Not sent after all (a transient failure): the message row goes and the recipient is pending again. */
  async release(tenantId: string, messageId: string): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow>(
        await em.query(`DELETE FROM messages WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' ${RETURNING}`, [tenantId, messageId]),
      );
      if (row?.campaign_id) await recipientReleased(em, tenantId, row.campaign_id, row.contact_id, messageId);
    });
  }

  /** Our own mistake (configuration, a malformed message): recorded, not retried, not the recipient's fault. */
  async failed(tenantId: string, messageId: string, detail: string): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow>(
        await em.query(
          `UPDATE messages SET status = 'FAILED', detail = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' ${RETURNING}`,
          [tenantId, messageId, detail.slice(0, 1000)],
        ),
      );
      if (row?.campaign_id) await recipientFailed(em, row.campaign_id, row.contact_id, messageId);
    });
  }

  async delivered(tenantId: string, messageId: string, at: Date): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow>(
        await em.query(
          `UPDATE messages SET status = 'DELIVERED', delivered_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'SENT' ${RETURNING}`,
          [tenantId, messageId, at],
        ),
      );
      if (row) await this.publish(em, tenantId, MESSAGE_DELIVERED, row, at, null);
    });
  }

  /** Every open is counted; the first one is announced. */
  async opened(tenantId: string, messageId: string, at = new Date()): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow & { first: boolean }>(
        await em.query(
          `UPDATE messages SET opens = opens + 1, opened_at = coalesce(opened_at, $3)
            WHERE tenant_id = $1 AND id = $2 AND status IN ('SENT', 'DELIVERED') ${RETURNING}, opens = 1 AS first`,
          [tenantId, messageId, at],
        ),
      );
      if (row?.first) await this.publish(em, tenantId, MESSAGE_OPENED, row, at, null);
    });
  }

  /** Every click is counted and announced with its link (a click also proves the message was opened). */
  async clicked(tenantId: string, messageId: string, url: string, at = new Date()): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [row] = returnedRows<MessageRow & { first_open: boolean }>(
        await em.query(
          `UPDATE messages SET clicks = clicks + 1, clicked_at = coalesce(clicked_at, $3), opens = greatest(opens, 1), opened_at = coalesce(opened_at, $3)
            WHERE tenant_id = $1 AND id = $2 AND status IN ('SENT', 'DELIVERED') ${RETURNING}, opened_at = $3 AS first_open`,
          [tenantId, messageId, at],
        ),
      );
      if (!row) return;
      if (row.first_open) await this.publish(em, tenantId, MESSAGE_OPENED, row, at, null);
      await this.publish(em, tenantId, MESSAGE_CLICKED, row, at, url.slice(0, 2000));
    });
  }

  /** The recipient used the message's unsubscribe link (the consent change is recorded by the caller in `em`). */
  async unsubscribed(em: EntityManager, tenantId: string, messageId: string, actor: EventActor, at: Date): Promise<MessageRow | null> {
    const [row] = returnedRows<MessageRow>(
      await em.query(
        `UPDATE messages SET unsubscribed_at = coalesce(unsubscribed_at, $3) WHERE tenant_id = $1 AND id = $2 ${RETURNING}, unsubscribed_at = $3 AS first`,
        [tenantId, messageId, at],
      ),
    );
    if (row && (row as MessageRow & { first?: boolean }).first)
      await this.publish(em, tenantId, MESSAGE_UNSUBSCRIBED, row, at, null, actor);
    return row ?? null;
  }

  private async publish(
    em: EntityManager,
    tenantId: string,
    type: MessageEventTypeV1,
    row: MessageRow,
    at: Date,
    detail: string | null,
    actor: EventActor = SYSTEM_ACTOR,
  ): Promise<void> {
    await this.db.publish(em, this.event(tenantId, type, row, at, detail, actor));
  }

  private event(
    tenantId: string,
    type: MessageEventTypeV1,
    row: MessageRow,
    at: Date,
    detail: string | null,
    actor: EventActor = SYSTEM_ACTOR,
  ): EventEnvelope {
    return newEvent({
      type,
      tenantId,
      actor,
      subjectId: row.id,
      occurredAt: at,
      data: {
        messageId: row.id,
        contactId: row.contact_id,
        channel: row.channel,
        campaignId: row.campaign_id,
        variantKey: row.variant_key,
        journeyId: row.journey_id,
        occurredAt: at.toISOString(),
        detail,
      },
    });
  }
}
