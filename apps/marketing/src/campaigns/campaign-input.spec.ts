import { GraphQLError } from 'graphql';
import { validateExperiment } from './campaign-input';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphQLError) return err.extensions.field;
    throw err;
  }
  return null;
}

describe('experiment design input', () => {
  it('defaults to α 0.05, power 0.8, a two-point effect and the observed baseline', () => {
    expect(validateExperiment({})).toEqual({ alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.02, baselineRate: null });
    expect(validateExperiment({ significanceLevel: 0.01, power: 0.9, minimumDetectableEffect: 0.005, baselineRate: 0 })).toEqual({
      alpha: 0.01,
      power: 0.9,
      minimumDetectableEffect: 0.005,
      baselineRate: 0,
    });
  });

  it('refuses values outside their range, or finer than stored, naming the field', () => {
    expect(fieldOf(() => validateExperiment({ significanceLevel: 0 }))).toBe('input.experiment.significanceLevel');
    expect(fieldOf(() => validateExperiment({ significanceLevel: 0.5 }))).toBe('input.experiment.significanceLevel');
    expect(fieldOf(() => validateExperiment({ power: 1 }))).toBe('input.experiment.power');
    expect(fieldOf(() => validateExperiment({ power: 0.3 }))).toBe('input.experiment.power');
    expect(fieldOf(() => validateExperiment({ minimumDetectableEffect: 0 }))).toBe('input.experiment.minimumDetectableEffect');
    expect(fieldOf(() => validateExperiment({ baselineRate: 1 }))).toBe('input.experiment.baselineRate');
    expect(fieldOf(() => validateExperiment({ minimumDetectableEffect: 0.000001 }))).toBe('input.experiment.minimumDetectableEffect');
    expect(fieldOf(() => validateExperiment({ power: Number.NaN }))).toBe('input.experiment.power');
  });
});
