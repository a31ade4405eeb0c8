import type { BusinessCalendar } from '@rapport/business-time';
import { elapsedBusinessMinutes } from './elapsed';

const nineToFive: BusinessCalendar = {
  timeZone: 'UTC',
  weeklyHours: { 1: [{ start: '09:00', end: '17:00' }], 2: [{ start: '09:00', end: '17:00' }], 5: [{ start: '09:00', end: '17:00' }] },
  holidays: [],
};

describe('elapsedBusinessMinutes', () => {
  it('counts plain minutes around the clock without a policy', () => {
    const createdAt = new Date('2026-11-23T10:00:00Z');
    expect(elapsedBusinessMinutes({ calendar: null, createdAt, targetMinutes: null, dueAt: null }, new Date('2026-11-23T11:30:00Z'))).toBe(
      90,
    );
  });

  it('counts the target minus what is left to the due time (pauses moved the due time later)', () => {
    // Opened Monday 10:00, 240-minute target, a 60-minute pause moved the due time from 14:00 to 15:00.
    const input = {
      calendar: nineToFive,
      createdAt: new Date('2026-11-23T10:00:00Z'),
      targetMinutes: 240,
      dueAt: new Date('2026-11-23T15:00:00Z'),
    };
    expect(elapsedBusinessMinutes(input, new Date('2026-11-23T13:00:00Z'))).toBe(120);
    // Breached: Monday 15:00 → Tuesday 10:00 is 120 + 60 business minutes past due.
    expect(elapsedBusinessMinutes(input, new Date('2026-11-24T10:00:00Z'))).toBe(240 + 120 + 60);
  });
});
