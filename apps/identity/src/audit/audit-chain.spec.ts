import { canonicalJson, chainHash, GENESIS_HASH, verifyRows, type ChainedContent, type ChainedRow } from './audit-chain';

const content = (seq: number, action = 'updateContact'): ChainedContent => ({
  seq,
  id: `0190f0f0-0000-7000-8000-00000000000${seq}`,
  occurredAt: '2026-12-06T10:00:00.000Z',
  service: 'sales',
  actorKind: 'user',
  actorId: 'u1',
  action,
  objectType: 'Contact',
  objectId: 'c1',
  changes: { lastName: { before: 'A', after: 'B' } },
  details: null,
  requestId: 'r1',
});

function chain(n: number): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c = content(seq);
    const hash = chainHash(prev, c);
    rows.push({ ...c, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit chain', () => {
  it('writes keys in one order whatever order they came in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":2,"f":1}]},"b":1}');
  });

  it('accepts an untouched chain', () => {
    const rows = chain(3);
    expect(verifyRows(rows, { seq: 0, hash: GENESIS_HASH })).toEqual({ broken: null, last: { seq: 3, hash: rows[2].hash } });
  });

  it('names the first entry whose content was changed', () => {
    const rows = chain(3);
    rows[1] = { ...rows[1], action: 'deleteContact' };
    expect(verifyRows(rows, { seq: 0, hash: GENESIS_HASH })).toMatchObject({
      broken: { seq: 2, reason: 'content does not match its hash' },
    });
  });

  it('names the entry after a removed one', () => {
    const rows = chain(3);
    expect(verifyRows([rows[0], rows[2]], { seq: 0, hash: GENESIS_HASH })).toMatchObject({ broken: { seq: 3 } });
  });

  it('refuses a rewritten entry whose hash was recomputed, at the next entry', () => {
    const rows = chain(3);
    const forged = { ...rows[1], action: 'other' };
    const { prevHash: _p, hash: _h, ...c } = forged;
    rows[1] = { ...forged, hash: chainHash(forged.prevHash, c) };
    expect(verifyRows(rows, { seq: 0, hash: GENESIS_HASH })).toMatchObject({
      broken: { seq: 3, reason: 'does not follow the previous entry' },
    });
  });

  it('continues from an anchor after pruning', () => {
    const rows = chain(4);
    expect(verifyRows(rows.slice(2), { seq: 2, hash: rows[1].hash })).toMatchObject({ broken: null });
    expect(verifyRows(rows.slice(2), { seq: 2, hash: GENESIS_HASH })).toMatchObject({ broken: { seq: 3 } });
  });
});
