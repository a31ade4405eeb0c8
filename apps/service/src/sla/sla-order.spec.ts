import { ALWAYS_OPEN } from '@rapport/business-time';
import { startClocks } from './sla-plan';
import { nextDueAt, slaSortKey } from './sla-order';
import type { SlaFacts } from './sla-state';

const opened = new Date('2026-12-01T10:00:00Z');
const clocks = startClocks({ calendar: ALWAYS_OPEN, firstResponseMinutes: 60, resolutionMinutes: 600, warningShare: 0.5 }, opened);
const open: SlaFacts = {
  slaCalendar: ALWAYS_OPEN,
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

describe('SLA list order keys', () => {
  it('the next due time is the first response until answered, then the resolution, then none', () => {
    expect(nextDueAt(open)).toEqual(open.firstResponseDueAt);
    const answered = { ...open, firstRespondedAt: new Date('2026-12-01T10:10:00Z') };
    expect(nextDueAt(answered)).toEqual(open.resolutionDueAt);
    expect(nextDueAt({ ...answered, resolvedAt: new Date('2026-12-01T11:00:00Z') })).toBeNull();
    expect(nextDueAt({ ...open, slaCalendar: null })).toBeNull();
  });

  it('keys sort by byte order: due time, and for SLA_STATE the most urgent state first', () => {
    const now = new Date('2026-12-01T10:05:00Z');
    const late = { ...open, firstResponseDueAt: new Date('2026-12-01T10:00:00Z') };
    const keys = [open, late, { ...open, slaCalendar: null }].map((c) => slaSortKey('SLA_STATE', c, now));
    expect(keys).toEqual([
      `SLA_STATE:2|${open.firstResponseDueAt!.toISOString()}`,
      'SLA_STATE:0|2026-12-01T10:00:00.000Z',
      'SLA_STATE:5|~',
    ]);
    expect([...keys].sort()).toEqual([keys[1], keys[0], keys[2]]);
    expect(slaSortKey('SLA_DUE', late, now)).toBe('SLA_DUE:2026-12-01T10:00:00.000Z');
    expect(slaSortKey('SLA_DUE', { ...open, slaCalendar: null }, now) > slaSortKey('SLA_DUE', open, now)).toBe(true);
  });
});
