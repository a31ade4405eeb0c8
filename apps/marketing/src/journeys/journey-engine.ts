import { Inject, Injectable } from '@nestjs/common';
import { RECOVERY_CASE_PRIORITY_REQUESTED, RECOVERY_TASK_REQUESTED, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, LOGGER, ServiceDatabase } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { groupMembers } from '../consent/contact-groups';
import { lockContacts, lockReadModel } from '../read-model/read-model-lock';
import { refreshAggregates, survivorOf } from '../read-model/survivors';
import { MessageSender, type ClaimedMessage } from '../sending/message-sender';
import { claimMessage, failInterrupted } from '../sending/message-rows';
import { checkRecipient, templateView } from '../sending/recipient-view';
import { MarketingSettings } from '../settings/marketing-settings';
import { cartView } from '../templates/cart-view';
import { loadTemplate } from '../templates/message-templates';
import { messagePurpose, type SendChannel } from '../vocabulary/messages';
import { contactMatches } from './journey-conditions';
import type { StoredStep } from './journey-input';
import { nextJourneyAction, type StepFact, type StepOutcome } from './journey-steps';
import { ENROLLMENT_COLUMNS, JOURNEY_COLUMNS, journeyView, type EnrollmentRow, type JourneyRow, type JourneyView } from './journey-view';

/** A step to run later: the enrolment, its visit (the job id), and the delay. */
export interface StepSchedule {
  tenantId: string;
  enrollmentId: string;
  visit: number;
  delayMs: number;
}

/**
 * Runs contacts through journeys. Enrolment happens in the transaction of
 * the triggering event; each step runs in a job whose id carries the
 * enrolment's `visit`, and a step only runs when the enrolment is ACTIVE at
 * that visit — so a duplicate, late or superseded job does nothing. A send
 * is claimed (its message row, unique per step and visit) before it goes
 * out, so a retry never sends it twice.
 */
@Injectable()
export class JourneyEngine {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: MarketingSettings,
    private readonly sender: MessageSender,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly audit: AuditRecorder,
  ) {}

  /** Event types that start an active journey of the tenant now (checked once per batch of events). */
  async activeTriggers(em: EntityManager, tenantId: string): Promise<Set<string>> {
    const rows: { trigger_event: string }[] = await em.query(
      `SELECT DISTINCT trigger_event FROM journeys WHERE tenant_id = $1 AND status = 'ACTIVE'`,
      [tenantId],
    );
    return new Set(rows.map((r) => r.trigger_event));
  }

  /** Enrols the contact in every active journey this event triggers (re-entry rules and trigger condition permitting). */
  async enroll(em: EntityManager, event: EventEnvelope, contactId: string): Promise<StepSchedule[]> {
    const tenantId = event.tenantId;
    const journeys: JourneyRow[] = await em.query(
      `SELECT ${JOURNEY_COLUMNS} FROM journeys j WHERE j.tenant_id = $1 AND j.status = 'ACTIVE' AND j.trigger_event = $2`,
      [tenantId, event.type],
    );
    if (journeys.length === 0) return [];
    const survivor = await survivorOf(em, tenantId, contactId);
    const [contact]: { known: boolean; open_complaints: number }[] = await em.query(
      `SELECT sales_updated_at IS NOT NULL AS known, open_complaints FROM contacts WHERE tenant_id = $1 AND id = $2`,
      [tenantId, survivor],
    );
    if (!contact?.known) return [];
    const out: StepSchedule[] = [];
    const data = (event.data ?? {}) as Record<string, unknown>;
    for (const row of journeys) {
      const journey = journeyView(row);
      if (!(await this.mayEnter(em, tenantId, journey, survivor))) continue;
      const at = new Date();
      if (journey.trigger.condition != null) {
        const ok = await contactMatches(em, this.settings, tenantId, survivor, journey.trigger.condition, {
          event: data,
          entryAt: at,
          rootPath: `journey(${journey.id}).trigger.condition`,
        });
        if (!ok) continue;
      }
      // Service recovery is for customers with an open complaint, exactly when marketing holds back.
      if (journey.purpose === 'SERVICE_RECOVERY' && contact.open_complaints === 0) continue;
      const paused = journey.purpose === 'MARKETING' && contact.open_complaints > 0;
      const [enrollment] = returnedRows<{ id: string }>(
        await em.query(
          `INSERT INTO journey_enrollments (id, tenant_id, journey_id, contact_id, status, position, entered_at, next_run_at, paused_at, pause_reason, trigger_event_id, trigger_data)
           VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7, $8, $9, $10)
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            uuidv7(),
            tenantId,
            journey.id,
            survivor,
            paused ? 'PAUSED' : 'ACTIVE',
            at,
            paused ? at : null,
            paused ? 'OPEN_COMPLAINT' : null,
            event.id,
            JSON.stringify(data),
          ],
        ),
      );
      if (enrollment && !paused) out.push({ tenantId, enrollmentId: enrollment.id, visit: 0, delayMs: 0 });
    }
    return out;
  }

  /** A complaint opened: the contact's marketing journeys hold where they are. */
  async pauseForComplaint(em: EntityManager, tenantId: string, contactId: string): Promise<void> {
    await em.query(
      `UPDATE journey_enrollments e SET status = 'PAUSED', paused_at = now(), pause_reason = 'OPEN_COMPLAINT', updated_at = now()
         FROM journeys j
        WHERE e.tenant_id = $1 AND e.contact_id IN ${groupMembers('$2::uuid')} AND e.status = 'ACTIVE'
          AND j.id = e.journey_id AND j.purpose = 'MARKETING'`,
      [tenantId, contactId],
    );
  }

  /**
   * The last open complaint was resolved: held journeys go on (a wait that
   * has passed runs at once), and service-recovery runs end — what they were
   * for is over.
   */
  async resumeAfterComplaints(em: EntityManager, tenantId: string, contactId: string): Promise<StepSchedule[]> {
    await em.query(
      `UPDATE journey_enrollments e SET status = 'EXITED', exit_reason = 'COMPLAINTS_RESOLVED', finished_at = now(), next_run_at = NULL,
              position = -1, visit = e.visit + 1, updated_at = now()
         FROM journeys j
        WHERE e.tenant_id = $1 AND e.contact_id IN ${groupMembers('$2::uuid')} AND e.status IN ('ACTIVE', 'PAUSED')
          AND j.id = e.journey_id AND j.purpose = 'SERVICE_RECOVERY'`,
      [tenantId, contactId],
    );
    return this.resume(em, tenantId, `e.contact_id IN ${groupMembers('$2::uuid')} AND e.pause_reason = 'OPEN_COMPLAINT'`, [
      tenantId,
      contactId,
    ]);
  }

  /** A paused journey is active again: its held runs go on. */
  async resumeJourney(em: EntityManager, tenantId: string, journeyId: string): Promise<StepSchedule[]> {
    return this.resume(em, tenantId, `e.journey_id = $2 AND e.pause_reason = 'JOURNEY_PAUSED'`, [tenantId, journeyId]);
  }

  private async resume(em: EntityManager, tenantId: string, where: string, params: unknown[]): Promise<StepSchedule[]> {
    const rows = returnedRows<{ id: string; visit: number; next_run_at: Date | null }>(
      await em.query(
        `UPDATE journey_enrollments e SET status = 'ACTIVE', visit = e.visit + 1, paused_at = NULL, pause_reason = NULL, updated_at = now()
          WHERE e.tenant_id = $1 AND e.status = 'PAUSED' AND ${where} RETURNING e.id, e.visit, e.next_run_at`,
        params,
      ),
    );
    const now = Date.now();
    return rows.map((r) => ({
      tenantId,
      enrollmentId: r.id,
      visit: r.visit,
      delayMs: Math.max(0, (r.next_run_at?.getTime() ?? now) - now),
    }));
  }

  /**
   * Runs the enrolment's steps from where it stands, until one waits, sends
   * or ends it. Returns the next job to schedule, if any. What to do next is
   * decided by `nextJourneyAction` (journey-steps.ts); this does it.
   */
  async run(tenantId: string, enrollmentId: string, visit: number): Promise<StepSchedule | null> {
    const pending: { send: ClaimedMessage | null } = { send: null };
    const next = await this.db.withTenant(tenantId, async (em): Promise<StepSchedule | null> => {
      const done: string[] = [];
      const result = await this.visitSteps(em, tenantId, enrollmentId, visit, pending, done);
      // A step job's changes are audited once per run, with the system as actor: the steps it took and how they went.
      if (done.length > 0)
        await this.audit.record(em, {
          tenantId,
          action: 'journey.steps',
          objectType: 'JourneyEnrollment',
          objectId: enrollmentId,
          details: { visit, steps: done },
        });
      return result;
    });
    if (!pending.send) return next;
    await this.sender.deliver(pending.send);
    // The same visit again: it finds the message sent and goes on from there.
    return this.run(tenantId, enrollmentId, visit);
  }

  /** One visit of an enrolment, in the caller's transaction; `done` collects what it changed, for the audit entry. */
  private async visitSteps(
    em: EntityManager,
    tenantId: string,
    enrollmentId: string,
    visit: number,
    pending: { send: ClaimedMessage | null },
    done: string[],
  ): Promise<StepSchedule | null> {
    // Before the enrolment's row: a step may recount its contact (setAttribute), and a read-model batch holding that
    // contact may pause this enrolment; locking the contact first, as batches do, keeps the two from waiting on each other (ADR 077).
    await lockReadModel(em, tenantId, 'shared');
    const [owner]: { contact_id: string }[] = await em.query(
      `SELECT contact_id FROM journey_enrollments WHERE tenant_id = $1 AND id = $2`,
      [tenantId, enrollmentId],
    );
    if (owner) await lockContacts(em, tenantId, [], [owner.contact_id, await survivorOf(em, tenantId, owner.contact_id)]);
    const [e]: EnrollmentRow[] = await em.query(
      `SELECT ${ENROLLMENT_COLUMNS} FROM journey_enrollments e WHERE e.tenant_id = $1 AND e.id = $2 FOR UPDATE`,
      [tenantId, enrollmentId],
    );
    if (!e || e.status !== 'ACTIVE' || e.visit !== visit) return null;
    const [row]: JourneyRow[] = await em.query(`SELECT ${JOURNEY_COLUMNS} FROM journeys j WHERE j.tenant_id = $1 AND j.id = $2`, [
      tenantId,
      e.journey_id,
    ]);
    const journey = journeyView(row);
    const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM journey_step_log WHERE enrollment_id = $1`, [e.id]);
    // Resolved when a step first needs the contact: merges may have moved the enrolment's contact into a survivor.
    let survivor: string | null = null;
    const contact = async (): Promise<string> => (survivor ??= await survivorOf(em, tenantId, e.contact_id));
    const state = { journeyStatus: journey.status, steps: journey.steps, position: e.position, loggedBefore: n, taken: 0 };
    let fact: StepFact | null = null;
    for (;;) {
      const action = nextJourneyAction({ ...state, now: new Date() }, fact);
      fact = null;
      switch (action.kind) {
        case 'pause':
          done.push(`PAUSED:${action.reason}`);
          await em.query(`UPDATE journey_enrollments SET status = 'PAUSED', paused_at = now(), pause_reason = $2 WHERE id = $1`, [
            e.id,
            action.reason,
          ]);
          return null;
        case 'finish':
          if (action.log) await this.log(em, e, action.log, done);
          done.push(`${action.status}${action.reason ? `:${action.reason}` : ''}`);
          return this.finish(em, e, action.status, action.reason);
        case 'wait':
          await this.log(em, e, action.log, done);
          await em.query(
            `UPDATE journey_enrollments SET position = $2, visit = visit + 1, next_run_at = $3, updated_at = now() WHERE id = $1`,
            [e.id, action.position, action.until],
          );
          return { tenantId, enrollmentId: e.id, visit: visit + 1, delayMs: action.delayMs };
        case 'continueLater':
          await em.query(`UPDATE journey_enrollments SET visit = visit + 1 WHERE id = $1`, [e.id]);
          return { tenantId, enrollmentId: e.id, visit: visit + 1, delayMs: 0 };
        case 'advance':
          await this.log(em, e, action.log, done);
          state.position = action.position;
          state.taken++;
          await em.query(`UPDATE journey_enrollments SET position = $2, updated_at = now() WHERE id = $1`, [e.id, state.position]);
          break;
        case 'evaluateCondition': {
          const matched = await contactMatches(em, this.settings, tenantId, await contact(), action.step.condition, {
            event: e.trigger_data,
            entryAt: e.entered_at,
            rootPath: `journey(${journey.id}).steps.${action.step.key}.condition`,
          });
          fact = { type: 'CONDITION', matched };
          break;
        }
        case 'setAttribute': {
          const contactId = await contact();
          await em.query(
            `INSERT INTO contact_attributes (tenant_id, contact_id, attributes) VALUES ($1, $2, jsonb_build_object($3::text, $4::jsonb))
             ON CONFLICT (tenant_id, contact_id) DO UPDATE SET attributes = contact_attributes.attributes || EXCLUDED.attributes, updated_at = now()`,
            [tenantId, contactId, action.key, JSON.stringify(action.value)],
          );
          await refreshAggregates(em, tenantId, [contactId]);
          fact = { type: 'UPDATE_ATTRIBUTE' };
          break;
        }
        case 'request':
          await this.request(em, tenantId, e, journey, action.step, await contact());
          fact = { type: 'REQUEST' };
          break;
        case 'send': {
          const outcome = await this.prepareSend(em, tenantId, e, journey, action.step, await contact(), visit);
          if (outcome.claim) {
            pending.send = outcome.claim;
            await em.query(`UPDATE journey_enrollments SET position = $2, updated_at = now() WHERE id = $1`, [e.id, state.position]);
            return null;
          }
          fact = { type: 'SEND', outcome: outcome.result };
          break;
        }
      }
    }
  }

  /**
   * A SEND step: a message already claimed for this step and visit is done
   * (sent, bounced — or interrupted, and then not sent again); otherwise
   * the contact is checked now and, if allowed, a message row is claimed.
   */
  private async prepareSend(
    em: EntityManager,
    tenantId: string,
    e: EnrollmentRow,
    journey: JourneyView,
    step: StoredStep,
    contactId: string,
    visit: number,
  ): Promise<{ claim: ClaimedMessage | null; result: string }> {
    const stepKey = `${step.key}#${visit}`;
    const [existing]: { id: string; status: string }[] = await em.query(
      `SELECT id, status FROM messages WHERE enrollment_id = $1 AND step_key = $2`,
      [e.id, stepKey],
    );
    if (existing) {
      if (existing.status !== 'SENDING') return { claim: null, result: existing.status };
      await failInterrupted(em, [existing.id]);
      return { claim: null, result: 'INTERRUPTED' };
    }
    const channel = step.channel as SendChannel;
    const purpose = messagePurpose(journey.purpose);
    const target = await checkRecipient(em, tenantId, contactId, channel, purpose);
    if (!target || target.blocked) return { claim: null, result: `SKIPPED:${target?.blocked ?? 'UNKNOWN_CONTACT'}` };
    const messageId = uuidv7();
    await claimMessage(em, {
      id: messageId,
      tenantId,
      contactId,
      channel,
      purpose,
      address: target.address as string,
      journeyId: journey.id,
      enrollmentId: e.id,
      stepKey,
      templateId: step.templateId,
    });
    return {
      claim: {
        tenantId,
        messageId,
        contactId,
        channel,
        purpose,
        address: target.address as string,
        content: await loadTemplate(em, tenantId, step.templateId as string),
        // A cart-triggered journey's messages can show the cart ({{#cart.lines}}…).
        view: { ...templateView(target), cart: cartView(e.trigger_data) },
        metadata: { tenant: tenantId, journey: journey.id, step: step.key },
      },
      result: 'CLAIMED',
    };
  }

  /**
   * A recovery step asks sales (a task for the contact's owner) or service
   * (a higher priority on the open complaints) through the outbox, in the
   * step's transaction: logged and published together, or neither.
   */
  private async request(em: EntityManager, tenantId: string, e: EnrollmentRow, journey: JourneyView, step: StoredStep, contactId: string) {
    const requestId = uuidv7();
    const common = { requestId, journeyId: journey.id, enrollmentId: e.id, contactId };
    const event =
      step.type === 'CREATE_TASK' && step.task
        ? newEvent({
            type: RECOVERY_TASK_REQUESTED,
            tenantId,
            actor: SYSTEM_ACTOR,
            subjectId: requestId,
            data: {
              ...common,
              subject: step.task.subject,
              body: step.task.body,
              dueAt: new Date(Date.now() + step.task.dueInHours * 3_600_000).toISOString(),
            },
          })
        : newEvent({
            type: RECOVERY_CASE_PRIORITY_REQUESTED,
            tenantId,
            actor: SYSTEM_ACTOR,
            subjectId: requestId,
            data: { ...common, priority: step.casePriority ?? 'HIGH' },
          });
    await this.db.publish(em, event);
  }

  private async mayEnter(em: EntityManager, tenantId: string, journey: JourneyView, contactId: string): Promise<boolean> {
    const [last]: { status: string; entered_at: Date; finished_at: Date | null }[] = await em.query(
      `SELECT status, entered_at, finished_at FROM journey_enrollments
        WHERE tenant_id = $1 AND journey_id = $2 AND contact_id IN ${groupMembers('$3::uuid')}
        ORDER BY entered_at DESC LIMIT 1`,
      [tenantId, journey.id, contactId],
    );
    if (!last) return true;
    if (last.status === 'ACTIVE' || last.status === 'PAUSED') return false;
    if (journey.reentry === 'NEVER') return false;
    const since = journey.reentry === 'AFTER_EXIT' ? (last.finished_at ?? last.entered_at) : last.entered_at;
    return Date.now() - since.getTime() >= journey.reentryCooldownHours * 3_600_000;
  }

  private async finish(em: EntityManager, e: EnrollmentRow, status: 'COMPLETED' | 'EXITED', reason: string | null): Promise<null> {
    await em.query(
      `UPDATE journey_enrollments SET status = $2, exit_reason = $3, finished_at = now(), next_run_at = NULL, position = -1, updated_at = now() WHERE id = $1`,
      [e.id, status, reason],
    );
    this.logger.debug({ enrollmentId: e.id, status, reason }, 'journey run ended');
    return null;
  }

  private async log(em: EntityManager, e: EnrollmentRow, { position, step, outcome }: StepOutcome, done: string[]): Promise<void> {
    done.push(`${step.key}:${outcome}`);
    await em.query(
      `INSERT INTO journey_step_log (id, tenant_id, enrollment_id, position, step_key, step_type, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [uuidv7(), e.tenant_id, e.id, position, step.key, step.type, outcome],
    );
  }
}
