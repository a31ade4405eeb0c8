import {
  CASE_DELETED,
  CASE_OPENED,
  CASE_RESOLVED,
  CONTACT_CREATED,
  CONTACT_DELETED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
  type EventEnvelope,
} from '@rapport/contracts';
import { eventRuns, notOutdated } from './event-runs';

const ev = (type: string, id: string) => ({ id, type }) as unknown as EventEnvelope;

describe('eventRuns', () => {
  it('groups consecutive snapshots, scores, cases, orders and merges, and keeps every other event alone in its place', () => {
    const batch = [
      ev(CONTACT_CREATED, 'a'),
      ev(CONTACT_UPDATED, 'b'),
      ev(CONTACT_MERGED, 'c'),
      ev(CONTACT_UPDATED, 'd'),
      ev(CUSTOMER_RFM_CHANGED, 'e'),
      ev(CUSTOMER_TIER_CHANGED, 'f'),
      ev(CASE_OPENED, 'g'),
      ev(CASE_RESOLVED, 'h'),
      ev(ORDER_RECORDED, 'i'),
      ev(ORDER_RECORDED, 'j'),
      ev(CONTACT_UNMERGED, 'k'),
      ev(CONTACT_DELETED, 'l'),
      ev(CASE_DELETED, 'm'),
    ];
    const runs = eventRuns(batch);
    expect(runs.map((r) => [r.kind, r.events.map((e) => e.id).join('')])).toEqual([
      ['SNAPSHOT', 'ab'],
      ['MERGE', 'c'],
      ['SNAPSHOT', 'd'],
      ['SCORE', 'ef'],
      ['CASE', 'gh'],
      ['ORDER', 'ij'],
      ['ONE', 'k'],
      ['ONE', 'l'],
      ['CASE', 'm'],
    ]);
    expect(runs.flatMap((r) => r.events)).toEqual(batch);
  });

  it('gives no runs for an empty batch', () => {
    expect(eventRuns([])).toEqual([]);
  });
});

describe('notOutdated', () => {
  it('marks an event older than an earlier one of its subject, and nothing else', () => {
    const items = [
      { s: 'x', v: '2026-01-02' },
      { s: 'y', v: '2026-01-01' },
      { s: 'x', v: '2026-01-01' },
      { s: 'x', v: '2026-01-02' },
      { s: 'x', v: '2026-01-03' },
    ];
    expect(
      notOutdated(
        items,
        (i) => i.s,
        (i) => i.v,
      ),
    ).toEqual([true, true, false, true, true]);
  });
});
