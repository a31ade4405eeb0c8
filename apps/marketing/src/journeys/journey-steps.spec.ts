import type { StoredStep } from './journey-input';
import { nextJourneyAction, STEPS_PER_JOB, STEPS_PER_RUN, type JourneyRunState, type StepFact } from './journey-steps';

const NOW = new Date('2026-12-01T10:00:00.000Z');

const wait = (key: string, waitMs: number, next: string): StoredStep => ({ key, type: 'WAIT', waitMs, next });
const condition = (key: string, ifTrue: string, ifFalse: string): StoredStep => ({
  key,
  type: 'CONDITION',
  condition: { field: 'tier', op: 'eq', value: 'gold' },
  ifTrue,
  ifFalse,
  next: ifTrue,
});
const send = (key: string, next: string): StoredStep => ({ key, type: 'SEND', channel: 'EMAIL', templateId: 't-1', next });
const setAttribute = (key: string, next: string): StoredStep => ({
  key,
  type: 'UPDATE_ATTRIBUTE',
  attribute: { key: 'nurtured', value: true },
  next,
});
const exit = (key: string): StoredStep => ({ key, type: 'EXIT', next: 'exit' });

function at(steps: StoredStep[], position: number, more: Partial<JourneyRunState> = {}): JourneyRunState {
  return { journeyStatus: 'ACTIVE', steps, position, loggedBefore: 0, taken: 0, now: NOW, ...more };
}

describe('nextJourneyAction', () => {
  describe('WAIT', () => {
    const steps = [wait('w', 3_600_000, 's'), send('s', 'exit')];

    it('logs WAITED and runs the next step after the wait, in a new job', () => {
      expect(nextJourneyAction(at(steps, 0))).toEqual({
        kind: 'wait',
        log: { position: 0, step: steps[0], outcome: 'WAITED' },
        position: 1,
        delayMs: 3_600_000,
        until: new Date('2026-12-01T11:00:00.000Z'),
      });
    });

    it('completes the journey when the wait leads to "exit"', () => {
      const last = [wait('w', 1000, 'exit')];
      expect(nextJourneyAction(at(last, 0))).toEqual({
        kind: 'finish',
        log: { position: 0, step: last[0], outcome: 'WAITED' },
        status: 'COMPLETED',
        reason: null,
      });
    });
  });

  describe('CONDITION', () => {
    const steps = [condition('c', 's', 'x'), send('s', 'exit'), exit('x')];

    it('asks for the condition to be evaluated first', () => {
      expect(nextJourneyAction(at(steps, 0))).toEqual({ kind: 'evaluateCondition', step: steps[0] });
    });

    it('follows ifTrue when it matched, logging TRUE', () => {
      expect(nextJourneyAction(at(steps, 0), { type: 'CONDITION', matched: true })).toEqual({
        kind: 'advance',
        log: { position: 0, step: steps[0], outcome: 'TRUE' },
        position: 1,
      });
    });

    it('follows ifFalse when it did not, logging FALSE', () => {
      expect(nextJourneyAction(at(steps, 0), { type: 'CONDITION', matched: false })).toEqual({
        kind: 'advance',
        log: { position: 0, step: steps[0], outcome: 'FALSE' },
        position: 2,
      });
    });

    it('exits, naming the condition, when the branch taken is "exit"', () => {
      const gate = [condition('gate', 's', 'exit'), send('s', 'exit')];
      expect(nextJourneyAction(at(gate, 0), { type: 'CONDITION', matched: false })).toEqual({
        kind: 'finish',
        log: { position: 0, step: gate[0], outcome: 'FALSE' },
        status: 'EXITED',
        reason: 'CONDITION:gate',
      });
    });
  });

  describe('SEND', () => {
    const steps = [send('s', 'w'), wait('w', 1000, 'exit')];

    it('asks for the message to be claimed and sent', () => {
      expect(nextJourneyAction(at(steps, 0))).toEqual({ kind: 'send', step: steps[0] });
    });

    it.each(['SENT', 'BOUNCED', 'INTERRUPTED', 'SKIPPED:NO_CONSENT'])('logs %s and goes on once the message is done', (outcome) => {
      expect(nextJourneyAction(at(steps, 0), { type: 'SEND', outcome })).toEqual({
        kind: 'advance',
        log: { position: 0, step: steps[0], outcome },
        position: 1,
      });
    });

    it('completes the journey after its last send', () => {
      const last = [send('s', 'exit')];
      expect(nextJourneyAction(at(last, 0), { type: 'SEND', outcome: 'SENT' })).toEqual({
        kind: 'finish',
        log: { position: 0, step: last[0], outcome: 'SENT' },
        status: 'COMPLETED',
        reason: null,
      });
    });
  });

  describe('UPDATE_ATTRIBUTE', () => {
    const steps = [setAttribute('a', 's'), send('s', 'exit')];

    it('asks for the attribute to be written', () => {
      expect(nextJourneyAction(at(steps, 0))).toEqual({ kind: 'setAttribute', step: steps[0], key: 'nurtured', value: true });
    });

    it('logs SET and goes on once written', () => {
      expect(nextJourneyAction(at(steps, 0), { type: 'UPDATE_ATTRIBUTE' })).toEqual({
        kind: 'advance',
        log: { position: 0, step: steps[0], outcome: 'SET' },
        position: 1,
      });
    });

    it('completes the journey when it is the last step', () => {
      const last = [setAttribute('a', 'exit')];
      expect(nextJourneyAction(at(last, 0), { type: 'UPDATE_ATTRIBUTE' })).toMatchObject({ kind: 'finish', status: 'COMPLETED' });
    });
  });

  describe('EXIT', () => {
    it('logs EXITED and exits, naming the step', () => {
      const steps = [exit('stop')];
      expect(nextJourneyAction(at(steps, 0))).toEqual({
        kind: 'finish',
        log: { position: 0, step: steps[0], outcome: 'EXITED' },
        status: 'EXITED',
        reason: 'EXIT:stop',
      });
    });
  });

  describe('the run as a whole', () => {
    const steps = [send('s', 'exit')];

    it('completes when the position is past the last step', () => {
      expect(nextJourneyAction(at(steps, 1))).toEqual({ kind: 'finish', log: null, status: 'COMPLETED', reason: null });
    });

    it('holds the enrolment while the journey is paused', () => {
      expect(nextJourneyAction(at(steps, 0, { journeyStatus: 'PAUSED' }))).toEqual({ kind: 'pause', reason: 'JOURNEY_PAUSED' });
    });

    it('exits when the journey was archived', () => {
      expect(nextJourneyAction(at(steps, 0, { journeyStatus: 'ARCHIVED' }))).toEqual({
        kind: 'finish',
        log: null,
        status: 'EXITED',
        reason: 'JOURNEY_ARCHIVED',
      });
    });

    it(`exits at the step limit (${STEPS_PER_RUN} steps logged), before running another step`, () => {
      expect(nextJourneyAction(at(steps, 0, { loggedBefore: STEPS_PER_RUN - 1 }))).toEqual({ kind: 'send', step: steps[0] });
      expect(nextJourneyAction(at(steps, 0, { loggedBefore: STEPS_PER_RUN }))).toEqual({
        kind: 'finish',
        log: null,
        status: 'EXITED',
        reason: 'STEP_LIMIT',
      });
    });

    it(`continues in a new job after ${STEPS_PER_JOB} instant steps`, () => {
      expect(nextJourneyAction(at(steps, 0, { taken: STEPS_PER_JOB - 1 }))).toEqual({ kind: 'send', step: steps[0] });
      expect(nextJourneyAction(at(steps, 0, { taken: STEPS_PER_JOB }))).toEqual({ kind: 'continueLater' });
    });

    it('walks a loop of instant steps until the job has taken its share', () => {
      const loop = [setAttribute('a', 'c'), condition('c', 'a', 'exit')];
      const state = at(loop, 0);
      const kinds: string[] = [];
      let fact: StepFact | null = null;
      for (let calls = 0; calls < 100; calls++) {
        const action = nextJourneyAction(state, fact);
        kinds.push(action.kind);
        fact = null;
        if (action.kind === 'setAttribute') fact = { type: 'UPDATE_ATTRIBUTE' };
        else if (action.kind === 'evaluateCondition') fact = { type: 'CONDITION', matched: true };
        else if (action.kind === 'advance') {
          state.position = action.position;
          state.taken++;
        } else break;
      }
      expect(kinds.filter((k) => k === 'advance')).toHaveLength(STEPS_PER_JOB);
      expect(kinds.at(-1)).toBe('continueLater');
    });

    it('refuses a fact about a different kind of step', () => {
      expect(() => nextJourneyAction(at(steps, 0), { type: 'CONDITION', matched: true })).toThrow('a CONDITION fact for SEND step s');
    });

    it('refuses a step that leads to a key the journey does not have', () => {
      expect(() => nextJourneyAction(at([send('s', 'nowhere')], 0), { type: 'SEND', outcome: 'SENT' })).toThrow(
        'step s leads to nowhere, which the journey does not have',
      );
    });
  });

  describe('recovery requests (CREATE_TASK, RAISE_CASE_PRIORITY)', () => {
    const task: StoredStep = { key: 't', type: 'CREATE_TASK', task: { subject: 'Call', body: null, dueInHours: 4 }, next: 'r' };
    const raise: StoredStep = { key: 'r', type: 'RAISE_CASE_PRIORITY', casePriority: 'URGENT', next: 'exit' };
    const steps = [task, raise];

    it('asks for the request, then logs REQUESTED and goes on (or completes after the last step)', () => {
      expect(nextJourneyAction(at(steps, 0))).toEqual({ kind: 'request', step: task });
      expect(nextJourneyAction(at(steps, 0), { type: 'REQUEST' })).toEqual({
        kind: 'advance',
        log: { position: 0, step: task, outcome: 'REQUESTED' },
        position: 1,
      });
      expect(nextJourneyAction(at(steps, 1), { type: 'REQUEST' })).toEqual({
        kind: 'finish',
        log: { position: 1, step: raise, outcome: 'REQUESTED' },
        status: 'COMPLETED',
        reason: null,
      });
    });

    it('refuses a fact that does not belong to the step', () => {
      expect(() => nextJourneyAction(at(steps, 0), { type: 'SEND', outcome: 'SENT' })).toThrow(/SEND fact for CREATE_TASK/);
    });
  });
});
