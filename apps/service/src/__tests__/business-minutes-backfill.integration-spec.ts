import { randomUUID } from 'node:crypto';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { serviceDefinition } from '../service.definition';
import { BusinessMinutesBackfill } from '../sla/business-minutes-backfill';

const weekdays = [{ start: '09:00', end: '17:00' }];
const BERLIN = {
  timeZone: 'Europe/Berlin',
  weeklyHours: { 1: weekdays, 2: weekdays, 3: weekdays, 4: weekdays, 5: weekdays },
  holidays: [],
};

describe('service: backfilling business minutes of cases written before they were kept', () => {
  let service: StartedService;
  /** Owner connection: the fixtures are rows as the old code wrote them (no minutes), in a fresh tenant. */
  const query = (sql: string, params: unknown[] = []) => service.app.get(DataSource).query(sql, params);
  const tenantId = randomUUID();

  beforeAll(async () => {
    // Queues of its own: a backfill job another suite of the run queued (the queue is the run's) must not run in the middle of this one.
    service = await startService(ServiceAppModule, serviceDefinition, { REDIS_PREFIX: `${process.env.REDIS_PREFIX}:backfill` });
  });

  afterAll(async () => {
    await service?.close();
  });

  /** A case and its status history, with the business-minute columns as given (null = written before they existed). */
  async function legacyCase(c: {
    policy: boolean;
    status: string;
    createdAt: string;
    history: [string, string][];
    respondedAt?: string;
    resolvedAt?: string;
    frMinutes?: number;
    resMinutes?: number;
  }): Promise<string> {
    const id = randomUUID();
    // One transaction: a backfill job running meanwhile (this service's, or one another suite of the run left on the
    // shared queue) must never see a case without its history — legacy rows are there whole before any backfill.
    await service.app.get(DataSource).transaction(async (em) => {
      const query = (sql: string, params: unknown[]) => em.query(sql, params);
      await query(
        `INSERT INTO cases (id, tenant_id, contact_id, subject, channel, category, priority, status, created_by_kind, sla_policy_id, sla_calendar,
         first_response_minutes, resolution_minutes, first_responded_at, resolved_at, first_response_business_minutes, resolution_business_minutes,
         created_at, updated_at)
       VALUES ($1, $2, $3, 'legacy', 'PHONE', 'QUESTION', 'NORMAL', $4, 'user', $5, $6, 240, 960, $7, $8, $9, $10, $11, $11)`,
        [
          id,
          tenantId,
          randomUUID(),
          c.status,
          c.policy ? randomUUID() : null,
          c.policy ? JSON.stringify(BERLIN) : null,
          c.respondedAt ?? null,
          c.resolvedAt ?? null,
          c.frMinutes ?? null,
          c.resMinutes ?? null,
          c.createdAt,
        ],
      );
      let from: string | null = null;
      for (const [to, at] of c.history) {
        await query(
          `INSERT INTO case_status_history (id, tenant_id, case_id, from_status, to_status, changed_at, actor_kind) VALUES ($1, $2, $3, $4, $5, $6, 'user')`,
          [randomUUID(), tenantId, id, from, to, at],
        );
        from = to;
      }
    });
    return id;
  }

  const minutesOf = async (id: string) =>
    (await query(`SELECT first_response_business_minutes AS fr, resolution_business_minutes AS res FROM cases WHERE id = $1`, [id]))[0];

  it('recomputes the minutes from the status history, leaves kept values alone, and does nothing on a second run', async () => {
    // Berlin business hours; Friday 16:00 → waiting on the customer from 16:30 over the weekend (and the DST change)
    // → Monday 10:00 open again, answered 11:00 → resolved Tuesday 09:30: 30 + 60 and 30 + 420 + 30 business minutes.
    const weekend = await legacyCase({
      policy: true,
      status: 'RESOLVED',
      createdAt: '2026-03-27T15:00:00Z',
      history: [
        ['NEW', '2026-03-27T15:00:00Z'],
        ['PENDING_CUSTOMER', '2026-03-27T15:30:00Z'],
        ['OPEN', '2026-03-30T08:00:00Z'],
        ['RESOLVED', '2026-03-31T07:30:00Z'],
      ],
      respondedAt: '2026-03-30T09:00:00Z',
      resolvedAt: '2026-03-31T07:30:00Z',
    });
    // No policy: the clock never paused, minutes around the clock (45 and 150).
    const plain = await legacyCase({
      policy: false,
      status: 'CLOSED',
      createdAt: '2026-03-27T10:00:00Z',
      history: [
        ['NEW', '2026-03-27T10:00:00Z'],
        ['PENDING_CUSTOMER', '2026-03-27T11:00:00Z'],
        ['RESOLVED', '2026-03-27T12:30:00Z'],
        ['CLOSED', '2026-03-27T13:00:00Z'],
      ],
      respondedAt: '2026-03-27T10:45:00Z',
      resolvedAt: '2026-03-27T12:30:00Z',
    });
    // Resolved Monday 10:00 after an hour, then reopened: the earlier resolution's minutes are filled too (60).
    const reopened = await legacyCase({
      policy: true,
      status: 'OPEN',
      createdAt: '2026-03-30T07:00:00Z',
      history: [
        ['NEW', '2026-03-30T07:00:00Z'],
        ['RESOLVED', '2026-03-30T08:00:00Z'],
        ['OPEN', '2026-03-30T09:00:00Z'],
      ],
      resolvedAt: '2026-03-30T08:00:00Z',
    });
    // Kept by the live code already (whatever it says): never rewritten; its missing resolution minutes are filled.
    const kept = await legacyCase({
      policy: true,
      status: 'RESOLVED',
      createdAt: '2026-03-30T07:00:00Z',
      history: [
        ['NEW', '2026-03-30T07:00:00Z'],
        ['RESOLVED', '2026-03-30T09:00:00Z'],
      ],
      respondedAt: '2026-03-30T07:30:00Z',
      resolvedAt: '2026-03-30T09:00:00Z',
      frMinutes: 7,
    });
    // Nothing stopped yet: nothing to fill.
    const running = await legacyCase({
      policy: true,
      status: 'OPEN',
      createdAt: '2026-03-30T07:00:00Z',
      history: [['NEW', '2026-03-30T07:00:00Z']],
    });

    const backfill = service.app.get(BusinessMinutesBackfill);
    expect(await backfill.pending()).toBe(true);
    await backfill.run();
    expect(await minutesOf(weekend)).toEqual({ fr: 90, res: 480 });
    expect(await minutesOf(plain)).toEqual({ fr: 45, res: 150 });
    expect(await minutesOf(reopened)).toEqual({ fr: null, res: 60 });
    expect(await minutesOf(kept)).toEqual({ fr: 7, res: 120 });
    expect(await minutesOf(running)).toEqual({ fr: null, res: null });
    expect(await backfill.pending()).toBe(false);
    expect(await backfill.run()).toBe(0);
  });

  it('runs as a job at start while such cases exist', async () => {
    const legacy = await legacyCase({
      policy: false,
      status: 'RESOLVED',
      createdAt: '2026-03-27T10:00:00Z',
      history: [
        ['NEW', '2026-03-27T10:00:00Z'],
        ['RESOLVED', '2026-03-27T10:20:00Z'],
      ],
      resolvedAt: '2026-03-27T10:20:00Z',
    });
    await service.close();
    // Queues of its own: a backfill job another suite of the run queued (the queue is the run's) must not run in the middle of this one.
    service = await startService(ServiceAppModule, serviceDefinition, { REDIS_PREFIX: `${process.env.REDIS_PREFIX}:backfill` });
    const deadline = Date.now() + 15_000;
    while ((await minutesOf(legacy)).res === null) {
      if (Date.now() > deadline) throw new Error('the backfill job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await minutesOf(legacy)).toEqual({ fr: null, res: 20 });
  });
});
