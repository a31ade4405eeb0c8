import { businessMinutesBetween, type BusinessCalendar } from '@rapport/business-time';
import type { SlaKindV1 } from '@rapport/contracts';

/** Where one SLA target of a case stands. */
export type SlaState = 'OK' | 'WARNING' | 'BREACHED' | 'PAUSED' | 'MET';

/** The SLA columns of a case that decide its targets' states. */
export interface SlaFacts {
  slaCalendar: BusinessCalendar | null;
  firstResponseDueAt: Date | null;
  firstResponseWarnAt: Date | null;
  firstResponseWarnedAt: Date | null;
  firstResponseBreachedAt: Date | null;
  firstRespondedAt: Date | null;
  resolutionDueAt: Date | null;
  resolutionWarnAt: Date | null;
  resolutionWarnedAt: Date | null;
  resolutionBreachedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  pausedAt: Date | null;
}

export interface SlaTargetView {
  kind: SlaKindV1;
  state: SlaState;
  dueAt: Date;
  /** Business minutes to the due time (negative once overdue); frozen while paused; null once the target is met or missed for good. */
  businessMinutesLeft: number | null;
}

/**
 * Each target's state as of `now`, from the case's own clocks. The timers
 * that stamp warnings and breaches may run a moment late; the state does
 * not wait for them: a due time in the past is BREACHED already. A target
 * stopped after its due time stays BREACHED (it was missed), one stopped in
 * time is MET; a running one waiting on the customer is PAUSED.
 */
export function slaTargets(c: SlaFacts, now: Date): SlaTargetView[] {
  const calendar = c.slaCalendar;
  if (!calendar) return [];
  const target = (
    kind: SlaKindV1,
    dueAt: Date | null,
    warnAt: Date | null,
    warnedAt: Date | null,
    breachedAt: Date | null,
    stoppedAt: Date | null,
  ): SlaTargetView | null => {
    if (!dueAt) return null;
    // The instant the clock reads: when it stopped, when it paused, or now.
    const reading = stoppedAt ?? c.pausedAt ?? now;
    const breached = breachedAt !== null || reading.getTime() >= dueAt.getTime();
    const state: SlaState = breached
      ? 'BREACHED'
      : stoppedAt
        ? 'MET'
        : c.pausedAt
          ? 'PAUSED'
          : warnedAt || (warnAt && reading.getTime() >= warnAt.getTime())
            ? 'WARNING'
            : 'OK';
    // + 0: an overdue-by-nothing reading is 0, not -0.
    const businessMinutesLeft = stoppedAt ? null : Math.floor(businessMinutesBetween(calendar, reading, dueAt)) + 0;
    return { kind, state, dueAt, businessMinutesLeft };
  };
  return [
    target(
      'FIRST_RESPONSE',
      c.firstResponseDueAt,
      c.firstResponseWarnAt,
      c.firstResponseWarnedAt,
      c.firstResponseBreachedAt,
      c.firstRespondedAt,
    ),
    target('RESOLUTION', c.resolutionDueAt, c.resolutionWarnAt, c.resolutionWarnedAt, c.resolutionBreachedAt, c.resolvedAt ?? c.closedAt),
  ].filter((t): t is SlaTargetView => t !== null);
}
