import { ALWAYS_OPEN, businessMinutesBetween, type BusinessCalendar } from '@rapport/business-time';
import type { CaseStatusV1 } from '@rapport/contracts';
import { clocksRun } from '../cases/case-rules';

export interface StatusChange {
  to: CaseStatusV1;
  at: Date;
}

export interface ElapsedCase {
  /** Null without an SLA policy: then the clock never paused. */
  slaPolicyId: string | null;
  slaCalendar: BusinessCalendar | null;
  createdAt: Date;
}

/**
 * The business minutes a case's clock ran up to `stoppedAt`, recomputed
 * from its status history — for rows written before the minutes were kept
 * (the live value is fixed when the clock stops; see elapsedBusinessMinutes).
 * Both agree: with a policy, the clock runs while the case is NEW or OPEN
 * (pause-shifted due times make "target minus what is left" exactly that
 * sum); without one it never pauses, so it counts around the clock since
 * opening. Rounded to whole minutes, as the live value.
 */
export function elapsedFromHistory(c: ElapsedCase, history: StatusChange[], stoppedAt: Date): number {
  if (!c.slaPolicyId) return Math.max(0, Math.round(businessMinutesBetween(ALWAYS_OPEN, c.createdAt, stoppedAt)));
  return Math.max(0, Math.round(runningBusinessMinutes(c.slaCalendar ?? ALWAYS_OPEN, history, stoppedAt)));
}

/** Business minutes of `calendar` the case spent NEW or OPEN (the SLA clocks' running states) up to `stoppedAt`; unrounded. */
export function runningBusinessMinutes(calendar: BusinessCalendar, history: StatusChange[], stoppedAt: Date): number {
  const changes = [...history].sort((a, b) => a.at.getTime() - b.at.getTime());
  let minutes = 0;
  for (let i = 0; i < changes.length; i++) {
    if (!clocksRun(changes[i].to)) continue;
    const from = changes[i].at;
    const until = new Date(Math.min(changes[i + 1]?.at.getTime() ?? Infinity, stoppedAt.getTime()));
    if (until > from) minutes += businessMinutesBetween(calendar, from, until);
  }
  return minutes;
}
