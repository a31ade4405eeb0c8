import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { CONSENT_CHANGED, type ConsentChannelV1, type ConsentPurposeV1, type ConsentStatusV1, type EventActor } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { AccessPolicy, ServiceDatabase, validate, type WaitBudget } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { requireConsentRead, requireConsentWrite } from '../access/marketing-access';
import { KnownContacts } from '../contacts/known-contacts';
import { ConfirmationRequests } from './confirmation-requests';
import { groupMembers } from './contact-groups';
import { validateConsentInput, type SetConsentInput } from './consent-input';

export interface ConsentView {
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  status: ConsentStatusV1;
  source: string;
  proof: string | null;
  changedAt: Date;
  /** The record the decision was given for (a duplicate, before a merge). */
  contactId: string;
}

export interface ConsentDecision {
  contactId: string;
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  status: ConsentStatusV1;
  source: string;
  proof: string | null;
}

/** How long a double opt-in confirmation link works. */
const CONFIRMATION_TTL_MS = 7 * 86_400_000;

/**
 * Consent per contact, channel and purpose. Every change is kept in the
 * history with its source, time, actor and proof; the current decision is
 * what sends are checked against (at send time). A change of status is
 * published as marketing.consent.changed.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly known: KnownContacts,
    private readonly confirmations: ConfirmationRequests,
  ) {}

  /** `setConsent`: records a decision, or starts a double opt-in (PENDING until the emailed link is followed). */
  async set(principal: Principal, input: SetConsentInput, wait: WaitBudget): Promise<{ consent: ConsentView; confirmationSent: boolean }> {
    const change = validateConsentInput(input);
    requireConsentWrite(principal, change.contactId, await this.access.overrides(principal));
    await this.known.require(principal.tenantId, change.contactId, 'input.contactId', wait);
    const now = new Date();
    const { consent, confirmationId } = await this.db.withTenant(principal.tenantId, async (em) => {
      let confirmationId: string | null = null;
      if (change.doubleOptIn) {
        const address = await this.emailOf(em, principal.tenantId, change.contactId);
        confirmationId = uuidv7();
        await em.query(
          `INSERT INTO consent_confirmations (id, tenant_id, contact_id, channel, purpose, address, source, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            confirmationId,
            principal.tenantId,
            change.contactId,
            change.channel,
            change.purpose,
            address,
            change.source,
            new Date(now.getTime() + CONFIRMATION_TTL_MS),
          ],
        );
      }
      const consent = await this.record(
        em,
        principal.tenantId,
        actorOf(principal),
        { ...change, status: change.doubleOptIn ? 'PENDING' : change.status, proof: change.proof },
        now,
      );
      return { consent, confirmationId };
    });
    if (confirmationId) await this.confirmations.request(principal.tenantId, confirmationId);
    return { consent, confirmationSent: confirmationId !== null };
  }

  /**
   * `importConsents`: many decisions at once (e.g. from the system marketing
   * used before), each checked on its own: a bad row is reported with its
   * field and does not stop the others. Double opt-in is per contact and
   * interactive, so it is not offered here.
   */
  async importMany(
    principal: Principal,
    inputs: SetConsentInput[],
    wait: WaitBudget,
  ): Promise<{ recorded: number; rejected: { index: number; field: string; message: string }[] }> {
    const rows = validate.listOf('input.consents', inputs, 1000);
    const rejected: { index: number; field: string; message: string }[] = [];
    const overrides = await this.access.overrides(principal);
    const good: { index: number; change: ReturnType<typeof validateConsentInput> }[] = [];
    rows.forEach((row, index) => {
      try {
        const change = validateConsentInput({ ...row, doubleOptIn: false });
        requireConsentWrite(principal, change.contactId, overrides);
        good.push({ index, change });
      } catch (err) {
        const ext = (err as { extensions?: { code?: string; field?: string } }).extensions;
        if (ext?.code !== 'BAD_USER_INPUT' && ext?.code !== 'FORBIDDEN') throw err;
        rejected.push({
          index,
          field: (ext.field ?? 'input').replace(/^input\./, `input.consents[${index}].`),
          message: (err as Error).message,
        });
      }
    });
    const known = await this.known.known(
      principal.tenantId,
      good.map((g) => g.change.contactId),
      wait,
    );
    const now = new Date();
    const actor = actorOf(principal);
    let recorded = 0;
    await this.db.withTenant(principal.tenantId, async (em) => {
      for (const { index, change } of good) {
        if (!known.has(change.contactId)) {
          rejected.push({ index, field: `input.consents[${index}].contactId`, message: `no contact ${change.contactId} in this tenant` });
          continue;
        }
        await this.record(em, principal.tenantId, actor, change, now);
        recorded++;
      }
    });
    return { recorded, rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /**
   * Writes a decision in the caller's transaction: the current row, a history
   * entry, and the event when the status changed.
   */
  async record(em: EntityManager, tenantId: string, actor: EventActor, decision: ConsentDecision, at: Date): Promise<ConsentView> {
    const [previous]: { status: ConsentStatusV1 }[] = await em.query(
      `SELECT status FROM consents WHERE tenant_id = $1 AND contact_id = $2 AND channel = $3 AND purpose = $4 FOR UPDATE`,
      [tenantId, decision.contactId, decision.channel, decision.purpose],
    );
    await em.query(
      `INSERT INTO consents (tenant_id, contact_id, channel, purpose, status, source, proof, changed_at, actor_kind, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, contact_id, channel, purpose) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source,
         proof = EXCLUDED.proof, changed_at = EXCLUDED.changed_at, actor_kind = EXCLUDED.actor_kind, actor_id = EXCLUDED.actor_id`,
      [
        tenantId,
        decision.contactId,
        decision.channel,
        decision.purpose,
        decision.status,
        decision.source,
        decision.proof,
        at,
        actor.kind,
        actor.id,
      ],
    );
    await em.query(
      `INSERT INTO consent_history (id, tenant_id, contact_id, channel, purpose, previous_status, status, source, proof, changed_at, actor_kind, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        uuidv7(),
        tenantId,
        decision.contactId,
        decision.channel,
        decision.purpose,
        previous?.status ?? null,
        decision.status,
        decision.source,
        decision.proof,
        at,
        actor.kind,
        actor.id,
      ],
    );
    if (previous?.status !== decision.status) {
      await this.db.publish(
        em,
        newEvent({
          type: CONSENT_CHANGED,
          tenantId,
          actor,
          subjectId: decision.contactId,
          occurredAt: at,
          data: {
            contactId: decision.contactId,
            channel: decision.channel,
            purpose: decision.purpose,
            previousStatus: previous?.status ?? null,
            status: decision.status,
            source: decision.source,
            proof: decision.proof,
            changedAt: at.toISOString(),
          },
        }),
      );
    }
    return { ...decision, changedAt: at };
  }

  /** Batch for Contact.consents: the effective decisions of each contact (its own and its merged duplicates', latest wins). */
  async consentsOf(principal: Principal, contactIds: readonly string[]): Promise<Map<string, ConsentView[]>> {
    const ids = contactIds.map((id, i) => validate.requireUuid(`id[${i}]`, id));
    const overrides = await this.access.overrides(principal);
    for (const id of ids) requireConsentRead(principal, id, overrides);
    const rows: (ConsentView & { survivor: string; changed_at: Date; contact_id: string })[] = await this.db.withTenant(
      principal.tenantId,
      (em) =>
        em.query(
          `SELECT DISTINCT ON (s.id, k.channel, k.purpose) s.id AS survivor, k.contact_id, k.channel, k.purpose, k.status,
                  k.source, k.proof, k.changed_at
             FROM unnest($2::uuid[]) AS s(id)
             JOIN consents k ON k.tenant_id = $1 AND k.contact_id IN ${groupMembers('s.id')}
            ORDER BY s.id, k.channel, k.purpose, k.changed_at DESC`,
          [principal.tenantId, ids],
        ),
    );
    const out = new Map<string, ConsentView[]>(ids.map((id) => [id, []]));
    for (const r of rows) {
      out.get(r.survivor)?.push({
        channel: r.channel,
        purpose: r.purpose,
        status: r.status,
        source: r.source,
        proof: r.proof,
        changedAt: r.changed_at,
        contactId: r.contact_id,
      });
    }
    return out;
  }

  private async emailOf(em: EntityManager, tenantId: string, contactId: string): Promise<string> {
    const [row]: { email: string | null }[] = await em.query(
      `SELECT coalesce(s.email, c.email) AS email FROM contacts c LEFT JOIN contacts s ON s.tenant_id = c.tenant_id AND s.id = c.merged_into
        WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenantId, contactId],
    );
    if (!row?.email) throw badUserInput('input.doubleOptIn', `contact ${contactId} has no email address to send the confirmation to`);
    return row.email;
  }
}
