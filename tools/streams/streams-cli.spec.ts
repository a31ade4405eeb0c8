import { STREAMS } from '@rapport/contracts';
import { parseStreamsArgs } from './args';
import { resealLine } from './render';

describe('streams CLI', () => {
  it('reads reseal with its streams and refuses what would be ambiguous', () => {
    expect(parseStreamsArgs(['reseal'])).toEqual({ command: 'reseal', streams: Object.keys(STREAMS), dryRun: false, abort: false });
    expect(parseStreamsArgs(['reseal', '--stream', 'sales', '--stream', 'COMMERCE', '--dry-run'])).toEqual({
      command: 'reseal',
      streams: ['SALES', 'COMMERCE'],
      dryRun: true,
      abort: false,
    });
    expect(parseStreamsArgs(['reseal', '--stream', 'SALES', '--abort'])).toMatchObject({ streams: ['SALES'], abort: true });
    for (const bad of [
      [],
      ['rewrite'],
      ['reseal', '--stream'],
      ['reseal', '--stream', 'NOPE'],
      ['reseal', '--abort'],
      ['reseal', '--abort', '--stream', 'SALES', '--dry-run'],
      ['reseal', '--force'],
    ])
      expect(() => parseStreamsArgs(bad)).toThrow();
  });

  it('says per stream what it found and did', () => {
    const base = { stream: 'SALES', messages: 7, readable: 5, erased: 1, consumersMoved: ['sales_a', 'sales_b'] };
    expect(resealLine({ ...base, outcome: 'resealed' })).toBe(
      'SALES: resealed: 7 messages, 5 with readable personal values (1 about people already erased); consumers moved: sales_a, sales_b',
    );
    expect(resealLine({ ...base, outcome: 'refused', reason: 'SALES was written 3 s ago' })).toBe(
      'SALES: not resealed: SALES was written 3 s ago',
    );
    expect(resealLine({ ...base, outcome: 'nothing-to-seal' })).toBe('SALES: 7 messages, nothing readable to seal');
  });
});
