import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobQueues, ServiceDatabase } from '@rapport/service-kit';
import type { Job } from 'bullmq';
import { LinkSigner } from '../links/link-secret.store';
import { claimMessage } from '../sending/message-rows';
import { MessageSender } from '../sending/message-sender';
import { RECIPIENT_COLUMNS, templateView, type RecipientRow } from '../sending/recipient-view';
import { CONFIRMATION_QUEUE, type ConfirmationJobData } from './confirmation-requests';

const SUBJECT = 'Please confirm your subscription';

/**
 * Sends the double opt-in email: a service message (it needs no marketing
 * consent and carries no unsubscribe link) whose link confirms the opt-in.
 * The message id is the confirmation id, so a retried job never sends a
 * second mail: a row already there means sent, or interrupted mid-send.
 */
@Injectable()
export class ConfirmationMailer implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueues,
    private readonly db: ServiceDatabase,
    private readonly links: LinkSigner,
    private readonly sender: MessageSender,
  ) {}

  onModuleInit(): void {
    this.jobs.worker<ConfirmationJobData>(CONFIRMATION_QUEUE, (job) => this.send(job), {
      concurrency: 2,
      describe: (job) => ({ tenantId: job.data.tenantId, confirmationId: job.data.confirmationId }),
    });
  }

  private async send(job: Job<ConfirmationJobData>): Promise<void> {
    const { tenantId, confirmationId } = job.data;
    const claim = await this.db.withTenant(tenantId, async (em) => {
      const [row]: (RecipientRow & { address: string; contact_id: string; confirmed_at: Date | null })[] = await em.query(
        `SELECT ${RECIPIENT_COLUMNS}, k.address, k.contact_id, k.confirmed_at
           FROM consent_confirmations k JOIN contacts c ON c.tenant_id = k.tenant_id AND c.id = k.contact_id
          WHERE k.tenant_id = $1 AND k.id = $2`,
        [tenantId, confirmationId],
      );
      if (!row || row.confirmed_at) return null;
      const claimed = await claimMessage(em, {
        id: confirmationId,
        tenantId,
        contactId: row.contact_id,
        channel: 'EMAIL',
        purpose: 'SERVICE',
        address: row.address,
      });
      return claimed ? row : null;
    });
    if (!claim) return;
    const url = this.links.url('confirm', { k: 'confirm', t: tenantId, c: confirmationId });
    await this.sender.deliver({
      tenantId,
      messageId: confirmationId,
      contactId: claim.contact_id,
      channel: 'EMAIL',
      purpose: 'SERVICE',
      address: claim.address,
      content: {
        subject: SUBJECT,
        text: `Hello{{#firstName}} {{firstName}}{{/firstName}},\n\nplease confirm that you want to hear from us by opening this link:\n${url}\n\nIf you did not ask for this, ignore this message.`,
        html: `<p>Hello{{#firstName}} {{firstName}}{{/firstName}},</p><p>please confirm that you want to hear from us:</p><p><a href="${url}">Yes, subscribe me</a></p><p>If you did not ask for this, ignore this message.</p>`,
      },
      view: templateView(claim),
      metadata: { tenant: tenantId, kind: 'double-opt-in' },
    });
  }
}
