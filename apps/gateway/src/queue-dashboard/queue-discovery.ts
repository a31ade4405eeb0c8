import type Redis from 'ioredis';

/**
 * The BullMQ queues under a Redis prefix, found by their `<prefix>:<queue>:meta`
 * keys: every service opens its own queues, and the dashboard must show them
 * all without a list that could fall behind the code.
 */
export async function discoverQueues(redis: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*:meta`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(prefix.length + 1, -':meta'.length);
      // A queue's own name never holds a colon in Rapport; a deeper key is some other structure.
      if (name && !name.includes(':')) names.add(name);
    }
  } while (cursor !== '0');
  return [...names].sort();
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
