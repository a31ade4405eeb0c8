import { checkTiming, needsReminder, reminderDelay, reminderJobId } from './activity-rules';

const at = (iso: string) => new Date(iso);

describe('activity timing rules', () => {
  it('lets tasks and calls have a due time but no span', () => {
    expect(checkTiming('TASK', { dueAt: at('2026-01-01T10:00:00Z'), startsAt: null, endsAt: null }).dueAt).toEqual(
      at('2026-01-01T10:00:00Z'),
    );
    expect(() => checkTiming('CALL', { dueAt: null, startsAt: at('2026-01-01T10:00:00Z'), endsAt: null })).toThrow(/meetings/);
  });

  it('gives notes neither due time nor span', () => {
    expect(() => checkTiming('NOTE', { dueAt: at('2026-01-01T10:00:00Z'), startsAt: null, endsAt: null })).toThrow(/no due time/);
  });

  it('needs a meeting to end after it starts, and makes it due at its start by default', () => {
    const start = at('2026-01-01T10:00:00Z');
    const end = at('2026-01-01T11:00:00Z');
    expect(checkTiming('MEETING', { dueAt: null, startsAt: start, endsAt: end }).dueAt).toEqual(start);
    expect(() => checkTiming('MEETING', { dueAt: null, startsAt: end, endsAt: start })).toThrow(/after/);
    expect(() => checkTiming('MEETING', { dueAt: null, startsAt: null, endsAt: end })).toThrow(/start/);
  });
});

describe('reminder planning', () => {
  const open = { completedAt: null, dueAt: at('2026-01-01T10:00:00Z'), dueVersion: 2, remindedVersion: 1 };

  it('derives the job id from activity and due version', () => {
    expect(reminderJobId('a1', 2)).toBe('activity-due-a1-v2');
    expect(reminderJobId('a1', 3)).not.toBe(reminderJobId('a1', 2));
  });

  it('needs a reminder only while open, due, and not reminded for this version', () => {
    expect(needsReminder(open)).toBe(true);
    expect(needsReminder({ ...open, remindedVersion: 2 })).toBe(false);
    expect(needsReminder({ ...open, completedAt: new Date() })).toBe(false);
    expect(needsReminder({ ...open, dueAt: null })).toBe(false);
  });

  it('compresses the delay by the time scale and never goes negative', () => {
    const now = at('2026-01-01T09:00:00Z');
    expect(reminderDelay(open.dueAt, now)).toBe(3_600_000);
    expect(reminderDelay(open.dueAt, now, 0.1)).toBe(360_000);
    expect(reminderDelay(now, open.dueAt)).toBe(0);
  });
});
