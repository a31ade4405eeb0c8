import { EXIT, type StoredStep } from './journey-input';

/**
 * The journey step state machine, without I/O: given the journey's steps,
 * where an enrolment stands and what the engine has found out about the
 * current step, it says what to do next. The engine (journey-engine.ts)
 * does it — SQL, sending, logging — and asks again until the answer ends the
 * job (wait, continue later, pause, finish, or a claimed send to deliver).
 */

/** Instant steps run back to back in one job; after this many the run continues in a new job. */
export const STEPS_PER_JOB = 20;
/** A run that has gone through this many steps ends (a loop through a WAIT that never exits). */
export const STEPS_PER_RUN = 1000;

export type FinishStatus = 'COMPLETED' | 'EXITED';

/** What the engine found out about the current step, after doing what the last action asked. */
export type StepFact =
  /** The step's condition was evaluated for the contact. */
  | { type: 'CONDITION'; matched: boolean }
  /** The step's attribute was written. */
  | { type: 'UPDATE_ATTRIBUTE' }
  /** The step's message is done without being claimed now: SENT, BOUNCED, FAILED, INTERRUPTED or SKIPPED:<why>. */
  | { type: 'SEND'; outcome: string }
  /** The step's request to another service was published (through the outbox). */
  | { type: 'REQUEST' };

/** An entry for the step log: the step at `position` had this outcome. */
export interface StepOutcome {
  position: number;
  step: StoredStep;
  outcome: string;
}

export type JourneyAction =
  /** The journey is paused: hold the enrolment until it is active again. */
  | { kind: 'pause'; reason: 'JOURNEY_PAUSED' }
  /** Evaluate the step's condition for the contact, then ask again with a CONDITION fact. */
  | { kind: 'evaluateCondition'; step: StoredStep }
  /** Write the attribute to the contact, then ask again with an UPDATE_ATTRIBUTE fact. */
  | { kind: 'setAttribute'; step: StoredStep; key: string; value: unknown }
  /** Claim the step's message (or find the one claimed before), then deliver it or ask again with a SEND fact. */
  | { kind: 'send'; step: StoredStep }
  /** Publish the step's request to sales or service (CREATE_TASK, RAISE_CASE_PRIORITY), then ask again with a REQUEST fact. */
  | { kind: 'request'; step: StoredStep }
  /** Log the step and move to `position` within this job. */
  | { kind: 'advance'; log: StepOutcome; position: number }
  /** Log the step and run `position` in a new job once `delayMs` have passed (at `until`). */
  | { kind: 'wait'; log: StepOutcome; position: number; delayMs: number; until: Date }
  /** This job has run its share of instant steps: go on from the same position in a new job at once. */
  | { kind: 'continueLater' }
  /** End the enrolment, logging the step first when there is one. */
  | { kind: 'finish'; log: StepOutcome | null; status: FinishStatus; reason: string | null };

export interface JourneyRunState {
  journeyStatus: 'ACTIVE' | 'PAUSED' | 'ARCHIVED';
  steps: readonly StoredStep[];
  /** Index of the current step. */
  position: number;
  /** Steps logged by the enrolment before this job. */
  loggedBefore: number;
  /** Steps taken in this job so far. */
  taken: number;
  now: Date;
}

/** The next thing to do for an enrolment; `fact` is what was found out about the current step, if anything yet. */
export function nextJourneyAction(state: JourneyRunState, fact: StepFact | null = null): JourneyAction {
  if (state.journeyStatus === 'PAUSED') return { kind: 'pause', reason: 'JOURNEY_PAUSED' };
  if (state.journeyStatus === 'ARCHIVED') return finish(null, 'EXITED', 'JOURNEY_ARCHIVED');
  if (state.loggedBefore >= STEPS_PER_RUN) return finish(null, 'EXITED', 'STEP_LIMIT');
  if (state.taken >= STEPS_PER_JOB) return { kind: 'continueLater' };
  const { position } = state;
  const step = state.steps[position];
  if (!step) return finish(null, 'COMPLETED', null);
  const expected = step.type === 'CREATE_TASK' || step.type === 'RAISE_CASE_PRIORITY' ? 'REQUEST' : step.type;
  if (fact && fact.type !== expected) throw new Error(`a ${fact.type} fact for ${step.type} step ${step.key}`);
  const goTo = (key: string): number => {
    if (key === EXIT) return -1;
    const target = state.steps.findIndex((s) => s.key === key);
    if (target < 0) throw new Error(`step ${step.key} leads to ${key}, which the journey does not have`);
    return target;
  };
  const logged = (outcome: string): StepOutcome => ({ position, step, outcome });
  /** Move on after the step, or complete the journey when the way on is "exit". */
  const onTo = (key: string, outcome: string): JourneyAction => {
    const target = goTo(key);
    return target < 0 ? finish(logged(outcome), 'COMPLETED', null) : { kind: 'advance', log: logged(outcome), position: target };
  };

  switch (step.type) {
    case 'WAIT': {
      const target = goTo(step.next);
      if (target < 0) return finish(logged('WAITED'), 'COMPLETED', null);
      const delayMs = step.waitMs as number;
      return { kind: 'wait', log: logged('WAITED'), position: target, delayMs, until: new Date(state.now.getTime() + delayMs) };
    }
    case 'CONDITION': {
      if (fact?.type !== 'CONDITION') return { kind: 'evaluateCondition', step };
      const target = goTo((fact.matched ? step.ifTrue : step.ifFalse) as string);
      const log = logged(fact.matched ? 'TRUE' : 'FALSE');
      return target < 0 ? finish(log, 'EXITED', `CONDITION:${step.key}`) : { kind: 'advance', log, position: target };
    }
    case 'UPDATE_ATTRIBUTE': {
      if (fact?.type !== 'UPDATE_ATTRIBUTE') {
        const { key, value } = step.attribute as { key: string; value: unknown };
        return { kind: 'setAttribute', step, key, value };
      }
      return onTo(step.next, 'SET');
    }
    case 'SEND':
      if (fact?.type !== 'SEND') return { kind: 'send', step };
      return onTo(step.next, fact.outcome);
    case 'CREATE_TASK':
    case 'RAISE_CASE_PRIORITY':
      if (fact?.type !== 'REQUEST') return { kind: 'request', step };
      return onTo(step.next, 'REQUESTED');
    case 'EXIT':
      return finish(logged('EXITED'), 'EXITED', `EXIT:${step.key}`);
  }
}

function finish(log: StepOutcome | null, status: FinishStatus, reason: string | null): JourneyAction {
  return { kind: 'finish', log, status, reason };
}
