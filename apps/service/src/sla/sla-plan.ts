import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from '@rapport/business-time';
import type { SlaKindV1 } from '@rapport/contracts';

/** The SLA a case opened with (copied from its policy, so later policy changes never move it). */
export interface SlaTerms {
  calendar: BusinessCalendar;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  /** 0 < share < 1: a warning fires when this share of a target has elapsed. */
  warningShare: number;
}

export interface SlaClocks {
  firstResponseDueAt: Date | null;
  firstResponseWarnAt: Date | null;
  resolutionDueAt: Date | null;
  resolutionWarnAt: Date | null;
}

/** Due and warning times of a case opened at `openedAt`, exactly in business time. */
export function startClocks(terms: SlaTerms, openedAt: Date): SlaClocks {
  const at = (minutes: number) => addBusinessMinutes(terms.calendar, openedAt, minutes);
  return {
    firstResponseDueAt: at(terms.firstResponseMinutes),
    firstResponseWarnAt: at(terms.firstResponseMinutes * terms.warningShare),
    resolutionDueAt: at(terms.resolutionMinutes),
    resolutionWarnAt: at(terms.resolutionMinutes * terms.warningShare),
  };
}

/**
 * The clocks under new terms (the case's priority changed), as if it had
 * opened with them: due = opening + target + the business minutes it has
 * been paused so far, in the new calendar. Without pauses, startClocks.
 */
export function replanClocks(terms: SlaTerms, openedAt: Date, pausedMinutes: number): SlaClocks {
  const at = (minutes: number) => addBusinessMinutes(terms.calendar, openedAt, minutes + Math.max(0, pausedMinutes));
  return {
    firstResponseDueAt: at(terms.firstResponseMinutes),
    firstResponseWarnAt: at(terms.firstResponseMinutes * terms.warningShare),
    resolutionDueAt: at(terms.resolutionMinutes),
    resolutionWarnAt: at(terms.resolutionMinutes * terms.warningShare),
  };
}

/**
 * After a pause from `pausedAt` to `resumedAt`, every pending time moves
 * later by the business minutes of the pause (so the customer's wait never
 * counts against the team).
 */
export function shiftClocks(calendar: BusinessCalendar, clocks: SlaClocks, pausedAt: Date, resumedAt: Date): SlaClocks {
  const paused = Math.max(0, businessMinutesBetween(calendar, pausedAt, resumedAt));
  const shift = (d: Date | null) => (d ? addBusinessMinutes(calendar, d, paused) : null);
  return {
    firstResponseDueAt: shift(clocks.firstResponseDueAt),
    firstResponseWarnAt: shift(clocks.firstResponseWarnAt),
    resolutionDueAt: shift(clocks.resolutionDueAt),
    resolutionWarnAt: shift(clocks.resolutionWarnAt),
  };
}

export type SlaStage = 'WARNING' | 'BREACH';

export interface SlaTimer {
  kind: SlaKindV1;
  stage: SlaStage;
  fireAt: Date;
  /** Derived from case, kind, stage and SLA version: re-planning adds new ids, a restart re-adds the same ones. */
  jobId: string;
}

export interface TimerState extends SlaClocks {
  caseId: string;
  slaVersion: number;
  running: boolean;
  firstRespondedAt: Date | null;
  firstResponseWarnedAt: Date | null;
  firstResponseBreachedAt: Date | null;
  resolutionWarnedAt: Date | null;
  resolutionBreachedAt: Date | null;
}

export function slaJobId(caseId: string, kind: SlaKindV1, stage: SlaStage, version: number): string {
  return `sla-${caseId}-${kind}-${stage}-v${version}`;
}

/** The timers a case needs now: none while paused or done, none for a clock that stopped or already fired. */
export function pendingTimers(s: TimerState): SlaTimer[] {
  if (!s.running) return [];
  const out: SlaTimer[] = [];
  const add = (kind: SlaKindV1, stage: SlaStage, fireAt: Date | null, firedAt: Date | null) => {
    if (fireAt && !firedAt) out.push({ kind, stage, fireAt, jobId: slaJobId(s.caseId, kind, stage, s.slaVersion) });
  };
  if (!s.firstRespondedAt) {
    add('FIRST_RESPONSE', 'WARNING', s.firstResponseWarnAt, s.firstResponseWarnedAt ?? s.firstResponseBreachedAt);
    add('FIRST_RESPONSE', 'BREACH', s.firstResponseDueAt, s.firstResponseBreachedAt);
  }
  add('RESOLUTION', 'WARNING', s.resolutionWarnAt, s.resolutionWarnedAt ?? s.resolutionBreachedAt);
  add('RESOLUTION', 'BREACH', s.resolutionDueAt, s.resolutionBreachedAt);
  return out;
}

/** Delay of a timer's job; `timeScale` < 1 compresses waiting (tests only; 1 in production). */
export function timerDelay(fireAt: Date, now: Date, timeScale = 1): number {
  return Math.max(0, Math.round((fireAt.getTime() - now.getTime()) * timeScale));
}
