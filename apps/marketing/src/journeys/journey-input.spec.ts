import { GraphQLError } from 'graphql';
import { validateJourneyInput, type CreateJourneyInput } from './journey-input';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphQLError) return err.extensions.field;
    throw err;
  }
  return null;
}

const recovery = (steps: CreateJourneyInput['steps'], purpose: CreateJourneyInput['purpose'] = 'SERVICE_RECOVERY'): CreateJourneyInput => ({
  name: 'Recover',
  purpose,
  trigger: { event: 'analytics.customer.churn_risk_changed' },
  steps,
});

describe('journey input: purposes and recovery steps', () => {
  it('defaults to MARKETING and stores recovery steps with their defaults', () => {
    expect(validateJourneyInput({ ...recovery([{ key: 'x', type: 'EXIT' }]), purpose: null }).purpose).toBe('MARKETING');
    const draft = validateJourneyInput(
      recovery([
        { key: 'task', type: 'CREATE_TASK', task: { subject: ' Call the customer ' } },
        { key: 'raise', type: 'RAISE_CASE_PRIORITY' },
      ]),
    );
    expect(draft.steps).toEqual([
      { key: 'task', type: 'CREATE_TASK', task: { subject: 'Call the customer', body: null, dueInHours: 24 }, next: 'raise' },
      { key: 'raise', type: 'RAISE_CASE_PRIORITY', casePriority: 'HIGH', next: 'exit' },
    ]);
  });

  it('refuses recovery steps outside SERVICE_RECOVERY journeys, and bad task or priority values, naming the field', () => {
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 'r', type: 'RAISE_CASE_PRIORITY' }], 'MARKETING')))).toBe(
      'input.steps[0].type',
    );
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 't', type: 'CREATE_TASK' }])))).toBe('input.steps[0].task');
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 't', type: 'CREATE_TASK', task: { subject: '' } }])))).toBe(
      'input.steps[0].task.subject',
    );
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 't', type: 'CREATE_TASK', task: { subject: 'a', dueInHours: -1 } }])))).toBe(
      'input.steps[0].task.dueInHours',
    );
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 'r', type: 'RAISE_CASE_PRIORITY', casePriority: 'LOW' as 'HIGH' }])))).toBe(
      'input.steps[0].casePriority',
    );
    expect(fieldOf(() => validateJourneyInput(recovery([{ key: 'x', type: 'EXIT' }], 'OTHER' as 'MARKETING')))).toBe('input.purpose');
  });
});
