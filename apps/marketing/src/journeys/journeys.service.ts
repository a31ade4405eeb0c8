import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, notFound, type Principal } from '@rapport/auth';
import { type PageArgs, pageWindow, paginateSql, ServiceDatabase, SharingPolicy, validate, visibleSql } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { requireMarketingRead, requireMarketingWrite } from '../access/marketing-access';
import { compileForTenant } from '../segments/rule-compiler';
import { MarketingSettings } from '../settings/marketing-settings';
import { insertTemplate } from '../templates/message-templates';
import { JourneyEngine } from './journey-engine';
import { validateJourneyInput, type CreateJourneyInput, type StoredStep } from './journey-input';
import { JourneyJobs } from './journey-jobs';
import { ENROLLMENT_COLUMNS, JOURNEY_COLUMNS, journeyView, type EnrollmentRow, type JourneyRow, type JourneyView } from './journey-view';

export interface EnrollmentView {
  id: string;
  journeyId: string;
  contactId: string;
  status: EnrollmentRow['status'];
  currentStep: string | null;
  enteredAt: Date;
  nextRunAt: Date | null;
  pausedAt: Date | null;
  pauseReason: string | null;
  finishedAt: Date | null;
  exitReason: string | null;
}

/** Journeys: event-triggered, multi-step flows per contact. */
@Injectable()
export class JourneysService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: MarketingSettings,
    private readonly engine: JourneyEngine,
    private readonly jobs: JourneyJobs,
    private readonly sharing: SharingPolicy,
  ) {}

  async create(principal: Principal, input: CreateJourneyInput): Promise<JourneyView> {
    requireMarketingWrite(principal);
    const draft = validateJourneyInput(input);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const check = (rule: unknown, rootPath: string) =>
        compileForTenant(em, this.settings, principal.tenantId, rule, {
          rootPath,
          scope: 'journey',
          journey: { event: {}, entryAt: new Date() },
        });
      if (draft.triggerCondition != null) await check(draft.triggerCondition, 'input.trigger.condition');
      const steps: StoredStep[] = [];
      for (const [i, step] of draft.steps.entries()) {
        if (step.type === 'CONDITION') await check(step.condition, `input.steps[${i}].condition`);
        const { content, ...stored } = step;
        if (step.type === 'SEND' && content)
          stored.templateId = await insertTemplate(em, principal.tenantId, step.channel as string, content);
        steps.push(stored);
      }
      const id = uuidv7();
      await em.query(
        `INSERT INTO journeys (id, tenant_id, name, status, purpose, trigger_event, trigger_rule, steps, reentry, reentry_cooldown_hours, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          principal.tenantId,
          draft.name,
          draft.status,
          draft.purpose,
          draft.triggerEvent,
          draft.triggerCondition == null ? null : JSON.stringify(draft.triggerCondition),
          JSON.stringify(steps),
          draft.reentry,
          draft.reentryCooldownHours,
          actorOf(principal).id,
        ],
      );
      return this.load(em, principal.tenantId, id);
    });
  }

  async setStatus(principal: Principal, id: string, status: JourneyView['status']): Promise<JourneyView> {
    requireMarketingWrite(principal);
    const journeyId = validate.requireUuid('id', id);
    if (!['ACTIVE', 'PAUSED', 'ARCHIVED'].includes(status)) throw badUserInput('status', `unknown status ${JSON.stringify(status)}`);
    const { journey, resumed } = await this.db.withTenant(principal.tenantId, async (em) => {
      await this.load(em, principal.tenantId, journeyId);
      await em.query(`UPDATE journeys SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
        principal.tenantId,
        journeyId,
        status,
      ]);
      const resumed = status === 'ACTIVE' ? await this.engine.resumeJourney(em, principal.tenantId, journeyId) : [];
      return { journey: await this.load(em, principal.tenantId, journeyId), resumed };
    });
    await this.jobs.schedule(resumed);
    return journey;
  }

  async get(principal: Principal, id: string): Promise<JourneyView | null> {
    requireMarketingRead(principal);
    const journeyId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => this.find(em, principal.tenantId, journeyId));
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, JourneyView>> {
    const rows: JourneyRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${JOURNEY_COLUMNS} FROM journeys j WHERE j.tenant_id = $1 AND j.id = ANY($2::uuid[])`, [
        principal.tenantId,
        [...ids],
      ]),
    );
    return new Map(rows.map((r) => [r.id, journeyView(r)]));
  }

  async list(principal: Principal, args: PageArgs) {
    requireMarketingRead(principal);
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select: JOURNEY_COLUMNS,
        from: `journeys j WHERE j.tenant_id = $1`,
        params: [principal.tenantId],
        sortColumn: 'j.created_at',
        idColumn: 'j.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: JourneyRow) => [r.created_at.toISOString(), r.id],
        map: journeyView,
      }),
    );
  }

  async enrollmentCounts(principal: Principal, journeyId: string): Promise<{ key: string; count: number }[]> {
    const rows: { key: string; count: number }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT status AS key, count(*)::int AS count FROM journey_enrollments WHERE tenant_id = $1 AND journey_id = $2 GROUP BY status ORDER BY status`,
        [principal.tenantId, journeyId],
      ),
    );
    return rows;
  }

  async enrollments(principal: Principal, args: PageArgs & { journeyId: string; status?: string | null }) {
    requireMarketingRead(principal);
    const journeyId = validate.requireUuid('journeyId', args.journeyId);
    const wanted = pageWindow(args);
    // Runs name their contact: only those the tenant's CONTACT sharing lets the caller see.
    const params: unknown[] = [principal.tenantId, journeyId, args.status ?? null];
    const visible = visibleSql(await this.sharing.readScope(principal, 'CONTACT'), 'c.owner_id', params);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const journey = await this.load(em, principal.tenantId, journeyId);
      return paginateSql(em, {
        select: ENROLLMENT_COLUMNS,
        from: `journey_enrollments e LEFT JOIN contacts c ON c.tenant_id = e.tenant_id AND c.id = e.contact_id
                WHERE e.tenant_id = $1 AND e.journey_id = $2 AND ($3::text IS NULL OR e.status = $3) AND ${visible}`,
        params,
        sortColumn: 'e.entered_at',
        idColumn: 'e.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: EnrollmentRow) => [r.entered_at.toISOString(), r.id],
        map: (r: EnrollmentRow) => enrollmentView(r, journey),
      });
    });
  }

  /** Runs of one contact (and its merged duplicates), newest first, for Contact.marketing. */
  async enrollmentsOf(em: EntityManager, tenantId: string, contactIds: string[]): Promise<EnrollmentView[]> {
    const rows: (EnrollmentRow & { steps: StoredStep[] })[] = await em.query(
      `SELECT ${ENROLLMENT_COLUMNS}, j.steps FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id
        WHERE e.tenant_id = $1 AND e.contact_id = ANY($2::uuid[]) ORDER BY e.entered_at DESC LIMIT 50`,
      [tenantId, contactIds],
    );
    return rows.map((r) => enrollmentView(r, { steps: r.steps }));
  }

  async history(principal: Principal, enrollmentId: string) {
    const rows: { step_key: string; step_type: string; outcome: string; at: Date }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT step_key, step_type, outcome, at FROM journey_step_log WHERE tenant_id = $1 AND enrollment_id = $2 ORDER BY at, id`,
        [principal.tenantId, enrollmentId],
      ),
    );
    return rows.map((r) => ({ stepKey: r.step_key, stepType: r.step_type, outcome: r.outcome, at: r.at }));
  }

  private async load(em: EntityManager, tenantId: string, id: string): Promise<JourneyView> {
    const journey = await this.find(em, tenantId, id);
    if (!journey) throw notFound('Journey', id);
    return journey;
  }

  /** The journey, or null when there is none with this id (a failing query still throws). */
  private async find(em: EntityManager, tenantId: string, id: string): Promise<JourneyView | null> {
    const [row]: JourneyRow[] = await em.query(`SELECT ${JOURNEY_COLUMNS} FROM journeys j WHERE j.tenant_id = $1 AND j.id = $2`, [
      tenantId,
      id,
    ]);
    return row ? journeyView(row) : null;
  }
}

function enrollmentView(r: EnrollmentRow, journey: { steps: StoredStep[] }): EnrollmentView {
  return {
    id: r.id,
    journeyId: r.journey_id,
    contactId: r.contact_id,
    status: r.status,
    currentStep: r.position >= 0 ? (journey.steps[r.position]?.key ?? null) : null,
    enteredAt: r.entered_at,
    nextRunAt: r.next_run_at,
    pausedAt: r.paused_at,
    pauseReason: r.pause_reason,
    finishedAt: r.finished_at,
    exitReason: r.exit_reason,
  };
}
