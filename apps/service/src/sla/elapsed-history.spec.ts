import type { BusinessCalendar } from '@rapport/business-time';
import { elapsedBusinessMinutes } from './elapsed';
import { elapsedFromHistory, type StatusChange } from './elapsed-history';
import { shiftClocks, startClocks, type SlaTerms } from './sla-plan';

const weekdays = { start: '09:00', end: '17:00' };
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  weeklyHours: { 1: [weekdays], 2: [weekdays], 3: [weekdays], 4: [weekdays], 5: [weekdays] },
  holidays: [],
};

describe('elapsedFromHistory', () => {
  // Opened Friday 16:00 in Berlin, waiting on the customer from 16:30 over the weekend (and the DST change on
  // Sunday 29 March) until Monday 10:00, answered Monday 11:00, resolved Tuesday 09:30.
  const createdAt = new Date('2026-03-27T15:00:00Z');
  const history: StatusChange[] = [
    { to: 'NEW', at: createdAt },
    { to: 'PENDING_CUSTOMER', at: new Date('2026-03-27T15:30:00Z') },
    { to: 'OPEN', at: new Date('2026-03-30T08:00:00Z') },
    { to: 'RESOLVED', at: new Date('2026-03-31T07:30:00Z') },
  ];
  const answeredAt = new Date('2026-03-30T09:00:00Z');
  const resolvedAt = history[3].at;
  const withPolicy = { slaPolicyId: 'p', slaCalendar: berlin, createdAt };

  it('counts business minutes while the case is NEW or OPEN, across a weekend, a pause and a DST change', () => {
    expect(elapsedFromHistory(withPolicy, history, answeredAt)).toBe(30 + 60);
    expect(elapsedFromHistory(withPolicy, history, resolvedAt)).toBe(30 + 7 * 60 + 30);
  });

  it('agrees with the value the live code keeps (target minus what is left to the pause-shifted due time)', () => {
    const terms: SlaTerms = { calendar: berlin, firstResponseMinutes: 240, resolutionMinutes: 960, warningShare: 0.8 };
    let clocks = startClocks(terms, createdAt);
    clocks = shiftClocks(berlin, clocks, history[1].at, history[2].at);
    const live = (target: number, dueAt: Date | null, stoppedAt: Date) =>
      elapsedBusinessMinutes({ calendar: berlin, createdAt, targetMinutes: target, dueAt }, stoppedAt);
    expect(elapsedFromHistory(withPolicy, history, answeredAt)).toBe(live(240, clocks.firstResponseDueAt, answeredAt));
    expect(elapsedFromHistory(withPolicy, history, resolvedAt)).toBe(live(960, clocks.resolutionDueAt, resolvedAt));
  });

  it('stops at the first reply given while the case waits on the customer', () => {
    expect(elapsedFromHistory(withPolicy, history, new Date('2026-03-28T10:00:00Z'))).toBe(30);
  });

  it('counts around the clock, pauses included, without a policy (as the live value does)', () => {
    const noPolicy = { slaPolicyId: null, slaCalendar: null, createdAt };
    expect(elapsedFromHistory(noPolicy, history, new Date('2026-03-27T17:15:00Z'))).toBe(135);
    expect(elapsedFromHistory(noPolicy, history, new Date('2026-03-27T17:15:00Z'))).toBe(
      elapsedBusinessMinutes({ calendar: null, createdAt, targetMinutes: null, dueAt: null }, new Date('2026-03-27T17:15:00Z')),
    );
  });
});
