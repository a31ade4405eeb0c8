import { DEFAULT_RFM_SEGMENTS, segmentFor } from '@rapport/clv';
import { segmentRows } from './rfm-segments-param';

/** The SQL's first-match-by-ordinal rule, in JS, must agree with libs/clv on every cell. */
function firstMatch(r: number, f: number) {
  return segmentRows()
    .filter((s) => r >= s.r_min && r <= s.r_max && f >= s.f_min && f <= s.f_max)
    .sort((a, b) => a.ordinal - b.ordinal)[0];
}

describe('segmentRows', () => {
  it('names every R×F cell as segmentFor does', () => {
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) expect(firstMatch(r, f)?.key).toBe(segmentFor({ recency: r, frequency: f })?.key);
    }
  });

  it('keeps the definitions in order', () => {
    expect(segmentRows().map((s) => s.key)).toEqual(DEFAULT_RFM_SEGMENTS.map((s) => s.key));
    expect(segmentRows()[0]).toEqual({ ordinal: 0, key: 'champions', name: 'Champions', r_min: 5, r_max: 5, f_min: 4, f_max: 5 });
  });
});
