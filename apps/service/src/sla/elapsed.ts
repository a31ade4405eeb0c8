import { ALWAYS_OPEN, businessMinutesBetween, type BusinessCalendar } from '@rapport/business-time';

export interface ElapsedInput {
  calendar: BusinessCalendar | null;
  createdAt: Date;
  /** The clock's target in business minutes and its current due time (moved later by every pause); null without a policy. */
  targetMinutes: number | null;
  dueAt: Date | null;
}

/**
 * Business minutes a clock ran from opening to `stoppedAt`, pauses excluded:
 * with a policy, the target minus what is left to the (pause-shifted) due
 * time — negative leftovers after a breach add up. Without a policy, plain
 * minutes around the clock since opening. Rounded to whole minutes.
 */
export function elapsedBusinessMinutes(input: ElapsedInput, stoppedAt: Date): number {
  const calendar = input.calendar ?? ALWAYS_OPEN;
  const minutes =
    input.targetMinutes != null && input.dueAt
      ? input.targetMinutes - businessMinutesBetween(calendar, stoppedAt, input.dueAt)
      : businessMinutesBetween(calendar, input.createdAt, stoppedAt);
  return Math.max(0, Math.round(minutes));
}
