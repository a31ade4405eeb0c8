import { CHURN_BANDS, churnBandOf } from './churn-bands';

describe('churn bands', () => {
  it('bands churn risk LOW < 0.3 ≤ MEDIUM < 0.6 ≤ HIGH', () => {
    expect([0, 0.299, 0.3, 0.599, 0.6, 1].map(churnBandOf)).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']);
  });

  it('lists the bands from least to most risk', () => {
    expect(CHURN_BANDS).toEqual(['LOW', 'MEDIUM', 'HIGH']);
  });
});
