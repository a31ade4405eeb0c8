import {
  addBusinessMinutes,
  ALWAYS_OPEN,
  businessMinutesBetween,
  InvalidCalendarError,
  parseCalendar,
  type BusinessCalendar,
} from './index';

const nineToFive = [{ start: '09:00', end: '17:00' }];
/** Mon–Fri 09:00–17:00 in Berlin, with Good Friday and Easter Monday 2026 off. */
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  weeklyHours: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: ['2026-04-03', '2026-04-06'],
};
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('addBusinessMinutes', () => {
  it('lands on the exact millisecond for minutes measured by businessMinutesBetween', () => {
    // 15042 ms = 0.2507 min, and 0.2507 × 60000 = 15041.999999999998: near the epoch,
    // where doubles still carry the fraction, a Date would truncate it to 15041.
    const from = new Date(1000);
    for (const ms of [15042, 30084, 45126, 120336, 1_000_014]) {
      const to = new Date(from.getTime() + ms);
      expect(addBusinessMinutes(ALWAYS_OPEN, from, businessMinutesBetween(ALWAYS_OPEN, from, to)).getTime()).toBe(to.getTime());
    }
  });

  it('stays within the day when the hours suffice', () => {
    // Mon 2026-11-23 10:00 Berlin = 09:00Z (CET, UTC+1).
    expect(iso(addBusinessMinutes(berlin, at('2026-11-23T09:00:00Z'), 90))).toBe('2026-11-23T10:30:00.000Z');
  });

  it('starts counting at the next opening when started outside hours', () => {
    // Mon 07:00 local → count from 09:00 local (08:00Z).
    expect(iso(addBusinessMinutes(berlin, at('2026-11-23T06:00:00Z'), 30))).toBe('2026-11-23T08:30:00.000Z');
    // Mon 20:00 local → Tue 09:00 local.
    expect(iso(addBusinessMinutes(berlin, at('2026-11-23T19:00:00Z'), 60))).toBe('2026-11-24T09:00:00.000Z');
  });

  it('skips the weekend', () => {
    // Fri 2026-11-27 16:00 local, 2 h → 1 h Friday + 1 h Monday 10:00 local.
    expect(iso(addBusinessMinutes(berlin, at('2026-11-27T15:00:00Z'), 120))).toBe('2026-11-30T09:00:00.000Z');
  });

  it('skips holidays (Easter 2026: Good Friday and Easter Monday)', () => {
    // Thu 2026-04-02 16:00 CEST (14:00Z), 2 h → 1 h Thursday, then Tuesday 2026-04-07 10:00 CEST.
    expect(iso(addBusinessMinutes(berlin, at('2026-04-02T14:00:00Z'), 120))).toBe('2026-04-07T08:00:00.000Z');
  });

  it('uses the UTC offset in force on each day (winter vs. summer time)', () => {
    // 09:00 Berlin is 08:00Z in winter and 07:00Z in summer.
    expect(iso(addBusinessMinutes(berlin, at('2026-01-05T00:00:00Z'), 0.5))).toBe('2026-01-05T08:00:30.000Z');
    expect(iso(addBusinessMinutes(berlin, at('2026-07-06T00:00:00Z'), 0.5))).toBe('2026-07-06T07:00:30.000Z');
  });

  it('crosses the spring-forward weekend in Berlin (2026-03-29)', () => {
    // Fri 2026-03-27 16:30 CET (15:30Z) + 60 min → 30 min Fri + 30 min Mon 2026-03-30 09:30 CEST = 07:30Z.
    expect(iso(addBusinessMinutes(berlin, at('2026-03-27T15:30:00Z'), 60))).toBe('2026-03-30T07:30:00.000Z');
  });

  it('counts the real length of a 24-hour day on DST changes', () => {
    const always: BusinessCalendar = { ...ALWAYS_OPEN, timeZone: 'Europe/Berlin' };
    // 2026-03-29 has 23 hours in Berlin: local midnight to midnight is 23 × 60 minutes.
    expect(businessMinutesBetween(always, at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'))).toBe(23 * 60);
    // 2026-10-25 has 25 hours.
    expect(businessMinutesBetween(always, at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'))).toBe(25 * 60);
    // 48 business hours from Saturday local midnight end at Monday 01:00 local, not midnight (Sunday lost an hour).
    expect(iso(addBusinessMinutes(always, at('2026-03-27T23:00:00Z'), 48 * 60))).toBe('2026-03-29T23:00:00.000Z');
  });

  it('handles hours spanning the skipped and the repeated hour', () => {
    const night: BusinessCalendar = { timeZone: 'Europe/Berlin', weeklyHours: { 7: [{ start: '01:00', end: '04:00' }] }, holidays: [] };
    // Sunday 2026-03-29 01:00–04:00 local is 2 real hours (02:00–03:00 does not exist).
    expect(businessMinutesBetween(night, at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(120);
    // Sunday 2026-10-25 01:00–04:00 local is 4 real hours (02:00–03:00 happens twice).
    expect(businessMinutesBetween(night, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(240);
  });

  it('works in America/New_York across its DST changes (2026-03-08 and 2026-11-01)', () => {
    const ny: BusinessCalendar = { ...berlin, timeZone: 'America/New_York', holidays: ['2026-11-26'] };
    // Fri 2026-03-06 16:00 EST (21:00Z) + 2 h → Mon 2026-03-09 10:00 EDT (14:00Z).
    expect(iso(addBusinessMinutes(ny, at('2026-03-06T21:00:00Z'), 120))).toBe('2026-03-09T14:00:00.000Z');
    // Fri 2026-10-30 16:00 EDT (20:00Z) + 2 h → Mon 2026-11-02 10:00 EST (15:00Z).
    expect(iso(addBusinessMinutes(ny, at('2026-10-30T20:00:00Z'), 120))).toBe('2026-11-02T15:00:00.000Z');
    // Wed 2026-11-25 16:00 EST + 2 h skips Thanksgiving → Fri 10:00 EST.
    expect(iso(addBusinessMinutes(ny, at('2026-11-25T21:00:00Z'), 120))).toBe('2026-11-27T15:00:00.000Z');
  });

  it('honours several intervals a day (a lunch break)', () => {
    const split: BusinessCalendar = {
      timeZone: 'UTC',
      weeklyHours: {
        1: [
          { start: '13:00', end: '17:00' },
          { start: '09:00', end: '12:00' },
        ],
      },
      holidays: [],
    };
    expect(iso(addBusinessMinutes(split, at('2026-11-23T11:30:00Z'), 60))).toBe('2026-11-23T13:30:00.000Z');
    expect(businessMinutesBetween(split, at('2026-11-23T00:00:00Z'), at('2026-11-24T00:00:00Z'))).toBe(7 * 60);
  });

  it('returns the start for zero minutes and rejects negative ones', () => {
    expect(iso(addBusinessMinutes(berlin, at('2026-11-28T12:00:00Z'), 0))).toBe('2026-11-28T12:00:00.000Z');
    expect(() => addBusinessMinutes(berlin, at('2026-11-28T12:00:00Z'), -1)).toThrow(RangeError);
  });

  it('spans long targets (a week of business hours) exactly', () => {
    // 40 business hours from Mon 09:00 CET end on Fri 17:00 CET.
    expect(iso(addBusinessMinutes(berlin, at('2026-11-23T08:00:00Z'), 40 * 60))).toBe('2026-11-27T16:00:00.000Z');
  });
});

describe('businessMinutesBetween', () => {
  it('counts only business hours, excluding weekends and holidays', () => {
    // Thu 2026-04-02 00:00Z → Wed 2026-04-08 00:00Z: Thu, Tue are working days (Fri, Mon holidays).
    expect(businessMinutesBetween(berlin, at('2026-04-02T00:00:00Z'), at('2026-04-08T00:00:00Z'))).toBe(2 * 8 * 60);
  });

  it('is zero outside hours, partial at the edges, negative when reversed', () => {
    expect(businessMinutesBetween(berlin, at('2026-11-28T08:00:00Z'), at('2026-11-29T20:00:00Z'))).toBe(0);
    expect(businessMinutesBetween(berlin, at('2026-11-23T15:30:00Z'), at('2026-11-24T08:15:00Z'))).toBe(45);
    expect(businessMinutesBetween(berlin, at('2026-11-24T08:15:00Z'), at('2026-11-23T15:30:00Z'))).toBe(-45);
  });

  it('is the inverse of addBusinessMinutes (pause: due time moves by the paused business minutes)', () => {
    const start = at('2026-03-26T10:17:00Z');
    for (const minutes of [1, 59.5, 480, 481, 1000, 5000]) {
      const due = addBusinessMinutes(berlin, start, minutes);
      expect(businessMinutesBetween(berlin, start, due)).toBeCloseTo(minutes, 9);
    }
    // A case paused 2 business hours has its due time moved by exactly 2 business hours.
    const due = addBusinessMinutes(berlin, start, 240);
    const paused = businessMinutesBetween(berlin, at('2026-03-26T12:00:00Z'), at('2026-03-27T09:00:00Z'));
    const moved = addBusinessMinutes(berlin, due, paused);
    expect(businessMinutesBetween(berlin, start, moved)).toBeCloseTo(240 + paused, 9);
  });
});

describe('parseCalendar', () => {
  it('normalises overlapping intervals and duplicate holidays', () => {
    const cal = parseCalendar({
      timeZone: 'Europe/Berlin',
      weeklyHours: {
        2: [
          { start: '12:00', end: '18:00' },
          { start: '09:00', end: '13:00' },
        ],
      },
      holidays: ['2026-12-25', '2026-12-24', '2026-12-25'],
    });
    expect(cal.weeklyHours).toEqual({ 2: [{ start: '09:00', end: '18:00' }] });
    expect(cal.holidays).toEqual(['2026-12-24', '2026-12-25']);
  });

  it.each([
    [{ ...berlin, timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ ...berlin, weeklyHours: { 1: [{ start: '9:00', end: '17:00' }] } }, 'weeklyHours.1[0]'],
    [{ ...berlin, weeklyHours: { 1: [{ start: '17:00', end: '09:00' }] } }, 'weeklyHours.1[0]'],
    [{ ...berlin, weeklyHours: { 8: nineToFive } as never }, 'weeklyHours'],
    [{ ...berlin, weeklyHours: {} }, 'weeklyHours'],
    [{ ...berlin, holidays: ['2026-13-01'] }, 'holidays[0]'],
  ])('rejects %j naming %s', (cal, field) => {
    expect(() => parseCalendar(cal as BusinessCalendar)).toThrow(InvalidCalendarError);
    try {
      parseCalendar(cal as BusinessCalendar);
    } catch (err) {
      expect((err as InvalidCalendarError).field).toBe(field);
    }
  });
});

describe('consistency over many random instants (New York, with holidays, across both DST changes)', () => {
  const ny: BusinessCalendar = {
    timeZone: 'America/New_York',
    weeklyHours: {
      1: nineToFive,
      2: nineToFive,
      3: [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '20:00' },
      ],
      4: nineToFive,
      5: nineToFive,
      6: [{ start: '10:00', end: '14:00' }],
    },
    holidays: ['2026-07-03', '2026-11-26', '2026-12-25'],
  };
  // A fixed linear congruential sequence: reproducible, no dependency.
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const from = Date.parse('2026-01-01T00:00:00Z');
  const span = 365 * 86_400_000;

  it('adds then measures back the same minutes, and sums over a split interval', () => {
    for (let i = 0; i < 300; i++) {
      const start = new Date(from + Math.floor(next() * span));
      const minutes = Math.floor(next() * 20_000);
      const due = addBusinessMinutes(ny, start, minutes);
      expect(businessMinutesBetween(ny, start, due)).toBeCloseTo(minutes, 6);
      const mid = new Date(start.getTime() + Math.floor(next() * (due.getTime() - start.getTime() + 1)));
      expect(businessMinutesBetween(ny, start, mid) + businessMinutesBetween(ny, mid, due)).toBeCloseTo(minutes, 6);
    }
  });

  it('never lands on a holiday or outside the weekly hours', () => {
    for (let i = 0; i < 300; i++) {
      const due = addBusinessMinutes(ny, new Date(from + Math.floor(next() * span)), 1 + Math.floor(next() * 5000));
      // One business minute before a due time is always inside business hours.
      expect(businessMinutesBetween(ny, new Date(due.getTime() - 60_000), due)).toBeGreaterThan(0);
    }
  });
});
