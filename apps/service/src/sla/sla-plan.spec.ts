import { ALWAYS_OPEN, type BusinessCalendar } from '@rapport/business-time';
import { raisePriority, canTransition, isReopen } from '../cases/case-rules';
import { chooseQueue, pickAgent } from '../routing/routing-rules';
import { pendingTimers, replanClocks, shiftClocks, slaJobId, startClocks, timerDelay, type TimerState } from './sla-plan';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  weeklyHours: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: [],
};

describe('SLA planning', () => {
  it('computes due and warning times in business time', () => {
    // Fri 2026-11-27 16:00 Berlin; 2 h first response → Mon 10:00; warning at 80 % (96 min) → Mon 09:36.
    const clocks = startClocks(
      { calendar: berlin, firstResponseMinutes: 120, resolutionMinutes: 480, warningShare: 0.8 },
      new Date('2026-11-27T15:00:00Z'),
    );
    expect(clocks.firstResponseDueAt?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(clocks.firstResponseWarnAt?.toISOString()).toBe('2026-11-30T08:36:00.000Z');
    expect(clocks.resolutionDueAt?.toISOString()).toBe('2026-11-30T15:00:00.000Z');
  });

  it('re-plans under new terms as if the case had opened with them, its pauses still excluded', () => {
    const openedAt = new Date('2026-11-27T15:00:00Z'); // Fri 16:00 Berlin
    const urgent = { calendar: berlin, firstResponseMinutes: 30, resolutionMinutes: 120, warningShare: 0.5 };
    expect(replanClocks(urgent, openedAt, 0)).toEqual(startClocks(urgent, openedAt));
    // 45 business minutes paused so far: Fri 16:00 + 30 + 45 → Mon 09:15 local.
    const replanned = replanClocks(urgent, openedAt, 45);
    expect(replanned.firstResponseDueAt?.toISOString()).toBe('2026-11-30T08:15:00.000Z');
    expect(replanned).toEqual(
      shiftClocks(berlin, startClocks(urgent, openedAt), new Date('2026-11-27T15:00:00Z'), new Date('2026-11-27T15:45:00Z')),
    );
  });

  it('moves every time by the paused business minutes on resume', () => {
    const clocks = startClocks(
      { calendar: berlin, firstResponseMinutes: 60, resolutionMinutes: 240, warningShare: 0.5 },
      new Date('2026-11-23T08:00:00Z'),
    );
    // Paused Mon 10:00–Tue 10:00 local = 8 business hours.
    const shifted = shiftClocks(berlin, clocks, new Date('2026-11-23T09:00:00Z'), new Date('2026-11-24T09:00:00Z'));
    expect(shifted.resolutionDueAt?.toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(shifted.firstResponseDueAt?.toISOString()).toBe('2026-11-24T09:00:00.000Z');
  });

  it('plans timers only for running clocks that have not fired, with versioned job ids', () => {
    const base: TimerState = {
      caseId: 'c',
      slaVersion: 3,
      running: true,
      ...startClocks({ calendar: ALWAYS_OPEN, firstResponseMinutes: 10, resolutionMinutes: 100, warningShare: 0.8 }, new Date(0)),
      firstRespondedAt: null,
      firstResponseWarnedAt: null,
      firstResponseBreachedAt: null,
      resolutionWarnedAt: null,
      resolutionBreachedAt: null,
    };
    expect(pendingTimers(base).map((t) => t.jobId)).toEqual([
      slaJobId('c', 'FIRST_RESPONSE', 'WARNING', 3),
      slaJobId('c', 'FIRST_RESPONSE', 'BREACH', 3),
      slaJobId('c', 'RESOLUTION', 'WARNING', 3),
      slaJobId('c', 'RESOLUTION', 'BREACH', 3),
    ]);
    expect(
      pendingTimers({ ...base, firstRespondedAt: new Date(), resolutionWarnedAt: new Date() }).map((t) => `${t.kind}/${t.stage}`),
    ).toEqual(['RESOLUTION/BREACH']);
    expect(pendingTimers({ ...base, running: false })).toEqual([]);
    expect(slaJobId('c', 'RESOLUTION', 'BREACH', 3)).not.toContain(':');
  });

  it('scales delays for tests and never goes negative', () => {
    expect(timerDelay(new Date(60_000), new Date(0))).toBe(60_000);
    expect(timerDelay(new Date(60_000), new Date(0), 0.1)).toBe(6000);
    expect(timerDelay(new Date(0), new Date(5000))).toBe(0);
  });
});

describe('case rules', () => {
  it('allows the lifecycle and reopen, nothing else', () => {
    expect(canTransition('NEW', 'OPEN')).toBe(true);
    expect(canTransition('OPEN', 'PENDING_CUSTOMER')).toBe(true);
    expect(canTransition('RESOLVED', 'OPEN')).toBe(true);
    expect(isReopen('CLOSED', 'OPEN')).toBe(true);
    expect(canTransition('CLOSED', 'RESOLVED')).toBe(false);
    expect(canTransition('OPEN', 'NEW')).toBe(false);
  });

  it('raises priority one step on escalation', () => {
    expect(['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((p) => raisePriority(p as never))).toEqual(['NORMAL', 'HIGH', 'URGENT', 'URGENT']);
  });
});

describe('routing', () => {
  const c = { category: 'COMPLAINT' as const, priority: 'NORMAL' as const, channel: 'WEB' as const, tier: 'gold' };
  const rule = (queueId: string, cond: Partial<{ category: string; priority: string; channel: string; tier: string }>) => ({
    queueId,
    category: null,
    priority: null,
    channel: null,
    tier: null,
    ...cond,
  });

  it('takes the first matching rule, else the default queue', () => {
    expect(
      chooseQueue(
        c,
        [rule('vip', { tier: 'platinum' }), rule('complaints', { category: 'COMPLAINT' }), rule('web', { channel: 'WEB' })],
        'd',
      ),
    ).toBe('complaints');
    expect(chooseQueue({ ...c, category: 'QUESTION' }, [rule('complaints', { category: 'COMPLAINT' })], 'd')).toBe('d');
    expect(chooseQueue({ ...c, tier: null }, [rule('gold', { tier: 'gold' })], null)).toBeNull();
  });

  it('assigns round-robin and by fewest open cases', () => {
    const members = [
      { agentId: 'b', openCases: 1 },
      { agentId: 'a', openCases: 3 },
      { agentId: 'c', openCases: 1 },
    ];
    expect(pickAgent('ROUND_ROBIN', members, null)).toBe('a');
    expect(pickAgent('ROUND_ROBIN', members, 'a')).toBe('b');
    expect(pickAgent('ROUND_ROBIN', members, 'c')).toBe('a');
    expect(pickAgent('LEAST_OPEN', members, null)).toBe('b');
    expect(pickAgent('LEAST_OPEN', members, 'b')).toBe('c');
    expect(pickAgent('LEAST_OPEN', [], null)).toBeNull();
  });
});
