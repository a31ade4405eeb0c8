import { badUserInput } from '@rapport/auth';

export const ACTIVITY_TYPES = ['TASK', 'CALL', 'MEETING', 'NOTE'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const ACTIVITY_TARGET_TYPES = ['LEAD', 'CONTACT', 'ACCOUNT', 'OPPORTUNITY'] as const;
export type ActivityTargetType = (typeof ACTIVITY_TARGET_TYPES)[number];

export interface ActivityTiming {
  dueAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

export function requireActivityType(field: string, value: unknown): ActivityType {
  if (!ACTIVITY_TYPES.includes(value as ActivityType)) throw badUserInput(field, `must be one of ${ACTIVITY_TYPES.join(', ')}`);
  return value as ActivityType;
}

export function requireTargetType(field: string, value: unknown): ActivityTargetType {
  if (!ACTIVITY_TARGET_TYPES.includes(value as ActivityTargetType)) {
    throw badUserInput(field, `must be one of ${ACTIVITY_TARGET_TYPES.join(', ')}`);
  }
  return value as ActivityTargetType;
}

/**
 * Timing rules per type: notes record something that happened (no due time,
 * no span); meetings need a start and a later end, and are due when they
 * start unless a due time is given; tasks and calls may have a due time but
 * no span.
 */
export function checkTiming(type: ActivityType, t: ActivityTiming): ActivityTiming {
  if (type === 'NOTE') {
    if (t.dueAt) throw badUserInput('dueAt', 'notes have no due time');
    if (t.startsAt || t.endsAt) throw badUserInput(t.startsAt ? 'startsAt' : 'endsAt', 'only meetings have a start and end');
    return t;
  }
  if (type !== 'MEETING') {
    if (t.startsAt || t.endsAt) throw badUserInput(t.startsAt ? 'startsAt' : 'endsAt', 'only meetings have a start and end');
    return t;
  }
  if (!t.startsAt) throw badUserInput('startsAt', 'a meeting needs a start');
  if (!t.endsAt) throw badUserInput('endsAt', 'a meeting needs an end');
  if (t.endsAt.getTime() <= t.startsAt.getTime()) throw badUserInput('endsAt', 'must be after startsAt');
  return { ...t, dueAt: t.dueAt ?? t.startsAt };
}

/** Open = not completed. Notes are complete when written. */
export function isOpen(a: { completedAt: Date | null }): boolean {
  return a.completedAt === null;
}

/** Reminder job id: activity + due version, so rescheduling adds a new id and re-planning after a restart re-adds the same one. */
export function reminderJobId(activityId: string, dueVersion: number): string {
  return `activity-due-${activityId}-v${dueVersion}`;
}

/** Whether an activity needs a reminder job now: open, with a due time, and this due version not yet reminded. */
export function needsReminder(a: {
  completedAt: Date | null;
  dueAt: Date | null;
  dueVersion: number;
  remindedVersion: number | null;
}): boolean {
  return isOpen(a) && a.dueAt !== null && a.remindedVersion !== a.dueVersion;
}

/** Delay of a reminder job; `timeScale` < 1 compresses waiting (tests only; 1 in production). */
export function reminderDelay(dueAt: Date, now: Date, timeScale = 1): number {
  return Math.max(0, Math.round((dueAt.getTime() - now.getTime()) * timeScale));
}
