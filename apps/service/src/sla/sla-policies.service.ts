import { Inject, Injectable } from '@nestjs/common';
import { ALWAYS_OPEN, InvalidCalendarError, parseCalendar, type BusinessCalendar, type Weekday } from '@rapport/business-time';
import { badUserInput, notFound, type Principal } from '@rapport/auth';
import type { CasePriorityV1 } from '@rapport/contracts';
import { SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { recordLatestTiers, type TierAt } from '@rapport/persistence';
import { v7 as uuidv7 } from 'uuid';
import { requireServiceAdmin, requireServiceConfigRead } from '../access/service-access';
import { PRIORITIES } from '../cases/case-rules';
import type { ServiceConfig } from '../service.env';
import type { SlaTerms } from './sla-plan';

export interface CalendarView {
  id: string;
  name: string;
  timeZone: string;
  weeklyHours: BusinessCalendar['weeklyHours'];
  holidays: string[];
}

export interface SlaPolicyView {
  id: string;
  priority: CasePriorityV1;
  tier: string | null;
  calendarId: string | null;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  warningShare: number;
  escalationQueueId: string | null;
}

const POLICY_COLUMNS = `id, priority, tier, calendar_id AS "calendarId", first_response_minutes AS "firstResponseMinutes",
  resolution_minutes AS "resolutionMinutes", warning_share::float8 AS "warningShare", escalation_queue_id AS "escalationQueueId"`;
const CALENDAR_COLUMNS = `id, name, time_zone AS "timeZone", weekly_hours AS "weeklyHours", holidays`;

/** Business calendars, SLA policies, and the customer tiers analytics reports. */
@Injectable()
export class SlaPoliciesService {
  constructor(
    private readonly db: ServiceDatabase,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async createCalendar(
    principal: Principal,
    input: { name: string; timeZone: string; hours: { weekday: number; start: string; end: string }[]; holidays?: string[] | null },
  ): Promise<CalendarView> {
    requireServiceAdmin(principal);
    const name = validate.requiredText('name', input.name, 100);
    const weeklyHours: Record<number, { start: string; end: string }[]> = {};
    for (const h of validate.listOf('hours', input.hours, 100)) (weeklyHours[h.weekday] ??= []).push({ start: h.start, end: h.end });
    let calendar: BusinessCalendar;
    try {
      calendar = parseCalendar({
        timeZone: input.timeZone,
        weeklyHours: weeklyHours as BusinessCalendar['weeklyHours'],
        holidays: validate.listOf('holidays', input.holidays, 500),
      });
    } catch (err) {
      if (err instanceof InvalidCalendarError) throw badUserInput(err.field.replace(/^weeklyHours/, 'hours'), err.message);
      throw err;
    }
    const id = uuidv7();
    await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`INSERT INTO business_calendars (id, tenant_id, name, time_zone, weekly_hours, holidays) VALUES ($1, $2, $3, $4, $5, $6)`, [
        id,
        principal.tenantId,
        name,
        calendar.timeZone,
        JSON.stringify(calendar.weeklyHours),
        calendar.holidays,
      ]),
    );
    return { id, name, ...calendar };
  }

  async setPolicy(
    principal: Principal,
    input: {
      priority: CasePriorityV1;
      tier?: string | null;
      calendarId?: string | null;
      firstResponseMinutes: number;
      resolutionMinutes: number;
      warningShare?: number | null;
      escalationQueueId?: string | null;
    },
  ): Promise<SlaPolicyView> {
    requireServiceAdmin(principal);
    if (!PRIORITIES.includes(input.priority)) throw badUserInput('priority', `must be one of ${PRIORITIES.join(', ')}`);
    const minutes = (field: string, v: number) => {
      if (!Number.isInteger(v) || v < 1 || v > 525_600) throw badUserInput(field, 'must be 1–525600 minutes');
      return v;
    };
    const share = input.warningShare ?? this.config.SERVICE_SLA_WARNING_PERCENT / 100;
    if (!(share > 0 && share < 1)) throw badUserInput('warningShare', 'must be strictly between 0 and 1');
    const policy: SlaPolicyView = {
      id: uuidv7(),
      priority: input.priority,
      tier: validate.text('tier', input.tier, { max: 50 })?.toLowerCase() ?? null,
      calendarId: validate.optionalUuid('calendarId', input.calendarId) ?? null,
      firstResponseMinutes: minutes('firstResponseMinutes', input.firstResponseMinutes),
      resolutionMinutes: minutes('resolutionMinutes', input.resolutionMinutes),
      warningShare: Math.round(share * 1000) / 1000,
      escalationQueueId: validate.optionalUuid('escalationQueueId', input.escalationQueueId) ?? null,
    };
    return this.db.withTenant(principal.tenantId, async (em) => {
      if (policy.calendarId && (await em.query(`SELECT 1 FROM business_calendars WHERE id = $1`, [policy.calendarId])).length === 0) {
        throw notFound('BusinessCalendar', policy.calendarId);
      }
      if (
        policy.escalationQueueId &&
        (await em.query(`SELECT 1 FROM support_queues WHERE id = $1`, [policy.escalationQueueId])).length === 0
      ) {
        throw notFound('SupportQueue', policy.escalationQueueId);
      }
      const [row]: SlaPolicyView[] = await em.query(
        `INSERT INTO sla_policies (id, tenant_id, priority, tier, calendar_id, first_response_minutes, resolution_minutes, warning_share, escalation_queue_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, priority, coalesce(tier, '')) DO UPDATE SET calendar_id = EXCLUDED.calendar_id,
           first_response_minutes = EXCLUDED.first_response_minutes, resolution_minutes = EXCLUDED.resolution_minutes,
           warning_share = EXCLUDED.warning_share, escalation_queue_id = EXCLUDED.escalation_queue_id
         RETURNING ${POLICY_COLUMNS}`,
        [
          policy.id,
          principal.tenantId,
          policy.priority,
          policy.tier,
          policy.calendarId,
          policy.firstResponseMinutes,
          policy.resolutionMinutes,
          policy.warningShare,
          policy.escalationQueueId,
        ],
      );
      return row;
    });
  }

  async listPolicies(principal: Principal): Promise<SlaPolicyView[]> {
    requireServiceConfigRead(principal);
    return this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${POLICY_COLUMNS} FROM sla_policies ORDER BY tier NULLS FIRST, priority, id`),
    );
  }

  async calendarsById(principal: Principal, ids: readonly string[]): Promise<Map<string, CalendarView>> {
    const rows: CalendarView[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${CALENDAR_COLUMNS} FROM business_calendars WHERE id = ANY($1::uuid[])`, [[...ids]]),
    );
    return new Map(rows.map((c) => [c.id, c]));
  }

  async customerTier(principal: Principal, contactId: string): Promise<string | null> {
    requireServiceConfigRead(principal);
    const id = validate.requireUuid('contactId', contactId);
    return this.db.withTenant(principal.tenantId, (em) => this.tierOf(em, id));
  }

  /**
   * The contact's own tier; until analytics scores a merge survivor itself,
   * the newest tier among the contacts merged into it (so a customer is not
   * served below their level meanwhile, and the fallback ends with the unmerge).
   */
  async tierOf(em: EntityManager, contactId: string | null): Promise<string | null> {
    if (!contactId) return null;
    const [row]: { tier: string }[] = await em.query(
      `SELECT t.tier FROM contact_tiers t
        WHERE t.contact_id = $1 OR t.contact_id IN (SELECT id FROM customer_contacts WHERE merged_into = $1)
        ORDER BY (t.contact_id = $1) DESC, t.changed_at DESC LIMIT 1`,
      [contactId],
    );
    return row?.tier ?? null;
  }

  /**
   * Keeps the newest tier per contact (a batch in stream order, tiers
   * lower-cased): an older event arriving late (redelivery, out-of-order
   * consumption) never overwrites a newer one.
   */
  recordTiers(em: EntityManager, tenantId: string, tiers: readonly TierAt[]): Promise<void> {
    return recordLatestTiers(
      em,
      'contact_tiers',
      tenantId,
      tiers.map((t) => ({ ...t, tier: t.tier?.toLowerCase() ?? null })),
    );
  }

  /** The policy for (priority, tier), falling back to the priority's default policy; with its calendar. */
  async termsFor(
    em: EntityManager,
    priority: CasePriorityV1,
    tier: string | null,
  ): Promise<{ policy: SlaPolicyView; terms: SlaTerms } | null> {
    const [policy]: SlaPolicyView[] = await em.query(
      `SELECT ${POLICY_COLUMNS} FROM sla_policies WHERE priority = $1 AND (tier = $2 OR tier IS NULL) ORDER BY tier NULLS LAST LIMIT 1`,
      [priority, tier?.toLowerCase() ?? null],
    );
    if (!policy) return null;
    let calendar: BusinessCalendar = ALWAYS_OPEN;
    if (policy.calendarId) {
      const [row]: CalendarView[] = await em.query(`SELECT ${CALENDAR_COLUMNS} FROM business_calendars WHERE id = $1`, [policy.calendarId]);
      if (row) calendar = { timeZone: row.timeZone, weeklyHours: row.weeklyHours, holidays: row.holidays };
    }
    return {
      policy,
      terms: {
        calendar,
        firstResponseMinutes: policy.firstResponseMinutes,
        resolutionMinutes: policy.resolutionMinutes,
        warningShare: policy.warningShare,
      },
    };
  }
}

/** Calendar hours as the API lists them. */
export function hoursOf(calendar: { weeklyHours: BusinessCalendar['weeklyHours'] }): { weekday: number; start: string; end: string }[] {
  return Object.entries(calendar.weeklyHours).flatMap(([day, ivs]) =>
    (ivs ?? []).map((iv) => ({ weekday: Number(day as unknown as Weekday), start: iv.start, end: iv.end })),
  );
}
