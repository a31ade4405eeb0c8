import { GraphQLError } from 'graphql';
import { closing, probabilityFor, requireOpen, requireTargetStage } from './opportunity-rules';

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error('expected an error');
}

const stage = (over: Partial<Parameters<typeof requireTargetStage>[1] & object> = {}) => ({
  id: 's1',
  pipelineId: 'p1',
  probability: 40,
  forecastCategory: 'BEST_CASE' as const,
  archivedAt: null,
  ...over,
});

describe('opportunity rules', () => {
  it('probability defaults from the stage and can be overridden within 0–100', () => {
    expect(probabilityFor(stage(), undefined)).toBe(40);
    expect(probabilityFor(stage(), null)).toBe(40);
    expect(probabilityFor(stage(), 0)).toBe(0);
    expect(probabilityFor(stage(), 65)).toBe(65);
    expect(errorOf(() => probabilityFor(stage(), 101, 'createOpportunity.probability'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'createOpportunity.probability',
    });
  });

  it('moves only to active open stages of the same pipeline', () => {
    expect(requireTargetStage('stageId', stage(), 'p1').id).toBe('s1');
    expect(errorOf(() => requireTargetStage('stageId', null, 'p1'))).toMatchObject({ field: 'stageId' });
    expect(errorOf(() => requireTargetStage('stageId', stage({ pipelineId: 'p2' }), 'p1'))).toMatchObject({ field: 'stageId' });
    expect(errorOf(() => requireTargetStage('stageId', stage({ archivedAt: new Date() }), 'p1'))).toMatchObject({ field: 'stageId' });
    expect(errorOf(() => requireTargetStage('stageId', stage({ forecastCategory: 'CLOSED_WON' }), 'p1'))).toMatchObject({
      field: 'stageId',
    });
  });

  it('closing sets status and probability; closed opportunities are final', () => {
    expect(closing(true)).toEqual({ status: 'WON', probability: 100 });
    expect(closing(false)).toEqual({ status: 'LOST', probability: 0 });
    expect(() => requireOpen({ id: 'o', status: 'OPEN' })).not.toThrow();
    expect(errorOf(() => requireOpen({ id: 'o', status: 'WON' })).code).toBe('CONFLICT');
  });
});
