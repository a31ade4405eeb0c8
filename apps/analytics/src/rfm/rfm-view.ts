import { moneyView, type Money } from '@rapport/money';
import type { RfmScoreEntity } from './rfm-score.entity';

/** `Rfm` as the GraphQL schema shows it. */
export interface RfmView {
  recency: number;
  frequency: number;
  monetary: Money;
  r: number;
  f: number;
  m: number;
  score: string;
  segment: string | null;
  segmentKey: string | null;
  windowDays: number;
  computedAt: Date;
}

export function rfmView(s: RfmScoreEntity): RfmView {
  return {
    recency: s.recencyDays,
    frequency: s.frequency,
    monetary: moneyView(s.monetary, s.currency),
    r: s.r,
    f: s.f,
    m: s.m,
    score: `${s.r}${s.f}${s.m}`,
    segment: s.segmentName,
    segmentKey: s.segmentKey,
    windowDays: s.windowDays,
    computedAt: s.computedAt,
  };
}
