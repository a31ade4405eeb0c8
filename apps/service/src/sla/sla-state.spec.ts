import type { BusinessCalendar } from '@rapport/business-time';
import { startClocks } from './sla-plan';
import { slaTargets, type SlaFacts } from './sla-state';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  weeklyHours: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: [],
};

// Opened Mon 2026-11-30 09:00 Berlin (08:00Z): first response in 120 business minutes, resolution in 480, warning at 50 %.
const opened = new Date('2026-11-30T08:00:00Z');
const clocks = startClocks({ calendar: berlin, firstResponseMinutes: 120, resolutionMinutes: 480, warningShare: 0.5 }, opened);
const open: SlaFacts = {
  slaCalendar: berlin,
  ...clocks,
  firstResponseWarnedAt: null,
  firstResponseBreachedAt: null,
  firstRespondedAt: null,
  resolutionWarnedAt: null,
  resolutionBreachedAt: null,
  resolvedAt: null,
  closedAt: null,
  pausedAt: null,
};
const at = (iso: string) => new Date(iso);
const states = (c: SlaFacts, now: Date) => slaTargets(c, now).map((t) => [t.kind, t.state, t.businessMinutesLeft]);

describe('SLA target states', () => {
  it('counts business minutes left, warns past the share, and is breached at the due time even before the timer stamps it', () => {
    expect(states(open, at('2026-11-30T08:30:00Z'))).toEqual([
      ['FIRST_RESPONSE', 'OK', 90],
      ['RESOLUTION', 'OK', 450],
    ]);
    expect(states(open, at('2026-11-30T09:00:00Z'))).toEqual([
      ['FIRST_RESPONSE', 'WARNING', 60],
      ['RESOLUTION', 'OK', 420],
    ]);
    // Mon 11:30 Berlin: first response 30 business minutes overdue; no timer has fired yet.
    expect(states(open, at('2026-11-30T10:30:00Z'))).toEqual([
      ['FIRST_RESPONSE', 'BREACHED', -30],
      ['RESOLUTION', 'OK', 330],
    ]);
    // Overnight counts nothing: Tue 09:00 Berlin is 480 business minutes after opening.
    expect(states(open, at('2026-12-01T08:00:00Z'))[1]).toEqual(['RESOLUTION', 'BREACHED', 0]);
  });

  it('is MET when stopped in time, stays BREACHED when stopped late, and freezes while paused', () => {
    const answered = { ...open, firstRespondedAt: at('2026-11-30T08:45:00Z') };
    expect(states(answered, at('2026-11-30T12:00:00Z'))[0]).toEqual(['FIRST_RESPONSE', 'MET', null]);
    const late = { ...open, firstRespondedAt: at('2026-11-30T10:15:00Z'), firstResponseBreachedAt: at('2026-11-30T10:00:00Z') };
    expect(states(late, at('2026-11-30T12:00:00Z'))[0]).toEqual(['FIRST_RESPONSE', 'BREACHED', null]);
    const waiting = { ...open, firstRespondedAt: at('2026-11-30T08:45:00Z'), pausedAt: at('2026-11-30T09:00:00Z') };
    expect(states(waiting, at('2026-12-03T12:00:00Z'))[1]).toEqual(['RESOLUTION', 'PAUSED', 420]);
    expect(states({ ...open, resolvedAt: at('2026-11-30T13:00:00Z') }, at('2026-12-05T00:00:00Z'))[1]).toEqual(['RESOLUTION', 'MET', null]);
  });

  it('has no targets without an SLA', () => {
    expect(slaTargets({ ...open, slaCalendar: null }, new Date())).toEqual([]);
  });
});
