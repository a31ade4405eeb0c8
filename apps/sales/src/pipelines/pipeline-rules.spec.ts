import { GraphQLError } from 'graphql';
import { closedStage, DEFAULT_STAGES, firstOpenStage, validateStages, type StageInput } from './pipeline-rules';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.field;
  }
  throw new Error('expected an error');
}

const won: StageInput = { name: 'Won', probability: 100, forecastCategory: 'CLOSED_WON' };
const lost: StageInput = { name: 'Lost', probability: 0, forecastCategory: 'CLOSED_LOST' };
const open = (name: string, probability = 10): StageInput => ({ name, probability, forecastCategory: 'PIPELINE' });

describe('pipeline stage rules', () => {
  it('the default pipeline is valid and starts in its first open stage', () => {
    const stages = validateStages('stages', DEFAULT_STAGES);
    expect(stages.map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(firstOpenStage(stages)?.name).toBe('Prospecting');
    expect(closedStage(stages, true)?.probability).toBe(100);
    expect(closedStage(stages, false)?.forecastCategory).toBe('CLOSED_LOST');
  });

  it('positions follow list order', () => {
    expect(validateStages('stages', [lost, open('B'), won, open('A')]).map((s) => `${s.position}:${s.name}`)).toEqual([
      '0:Lost',
      '1:B',
      '2:Won',
      '3:A',
    ]);
    expect(firstOpenStage(validateStages('stages', [lost, open('B'), won, open('A')]))?.name).toBe('B');
  });

  it('needs exactly one won, one lost and an open stage', () => {
    expect(fieldOf(() => validateStages('stages', [open('A'), lost]))).toBe('stages');
    expect(fieldOf(() => validateStages('stages', [open('A'), won, { ...won, name: 'Won 2' }, lost]))).toBe('stages');
    expect(fieldOf(() => validateStages('stages', [won, lost]))).toBe('stages');
  });

  it('names the offending stage field', () => {
    expect(fieldOf(() => validateStages('stages', [open('A', 101), won, lost]))).toBe('stages[0].probability');
    expect(fieldOf(() => validateStages('stages', [open('A', 12.5), won, lost]))).toBe('stages[0].probability');
    expect(fieldOf(() => validateStages('stages', [open('A'), { ...won, probability: 90 }, lost]))).toBe('stages[1].probability');
    expect(fieldOf(() => validateStages('stages', [open('A'), open('a'), won, lost]))).toBe('stages[1].name');
    expect(fieldOf(() => validateStages('stages', [open(' '), won, lost]))).toBe('stages[0].name');
  });

  it("accepts only ids of the pipeline's active stages, each once", () => {
    const id = '0190f0f0-0000-7000-8000-000000000001';
    expect(validateStages('stages', [{ ...open('A'), id }, won, lost], new Set([id]))[0].id).toBe(id);
    expect(fieldOf(() => validateStages('stages', [{ ...open('A'), id }, won, lost]))).toBe('stages[0].id');
    expect(fieldOf(() => validateStages('stages', [{ ...open('A'), id }, { ...open('B'), id }, won, lost], new Set([id])))).toBe(
      'stages[1].id',
    );
  });
});
