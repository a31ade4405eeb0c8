import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

let pool: Buffer | null = null;
let used = POOL_BYTES;

/**
 * `size` bytes from the CSPRNG, as `randomBytes(size)` gives them, drawn
 * from a 4 KiB block filled at once. Each `randomBytes` call is a trip into
 * the OpenSSL RNG of its own: in marketing's profile of a campaign send a
 * new data key (32 bytes) and an IV (12 bytes) per message took 2.6 % of
 * the process, about 25 µs each under load, against about 1 µs drawn from
 * a block (ADR 085; Node's own randomUUID caches its entropy the same way).
 * Bytes handed out are copied and wiped from the block, so none is ever
 * handed out twice and none stays behind. Large requests go straight to
 * `randomBytes`.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES / 8) return randomBytes(size);
  if (pool === null || used + size > POOL_BYTES) {
    pool ??= Buffer.allocUnsafeSlow(POOL_BYTES);
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.allocUnsafe(size);
  pool.copy(out, 0, used, used + size);
  pool.fill(0, used, used + size);
  used += size;
  return out;
}
