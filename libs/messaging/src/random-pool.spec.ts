import { pooledRandomBytes } from './random-pool';

describe('pooledRandomBytes', () => {
  it('gives the size asked for, never the same bytes twice, across refills of its block', () => {
    const seen = new Set<string>();
    // 2,000 × 12 bytes: several 4 KiB blocks.
    for (let i = 0; i < 2000; i++) {
      const bytes = pooledRandomBytes(12);
      expect(bytes).toHaveLength(12);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('hands out copies: changing one changes nothing drawn later', () => {
    const a = pooledRandomBytes(32);
    const copy = Buffer.from(a);
    a.fill(0);
    const b = pooledRandomBytes(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
    expect(copy.equals(Buffer.alloc(32))).toBe(false);
  });

  it('serves large sizes directly', () => {
    expect(pooledRandomBytes(10_000)).toHaveLength(10_000);
  });

  it('looks random: every byte value turns up in 64 KiB drawn 32 bytes at a time', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2048; i++) for (const byte of pooledRandomBytes(32)) counts[byte]++;
    // 65,536 bytes, 256 expected per value; a value missing or three times too frequent would mean a broken draw.
    expect(Math.min(...counts)).toBeGreaterThan(128);
    expect(Math.max(...counts)).toBeLessThan(768);
  });
});
