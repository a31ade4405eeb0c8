import { connect } from 'nats';
import { Client } from 'pg';
import Redis from 'ioredis';

/** Removes everything the run created, in every Jest worker (`<run id>w<n>`): schemas, streams, Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.RAPPORT_TEST_RUN_ID;
  if (!runId || process.env.KEEP_TEST_DATA === 'true') return;

  const pg = new Client({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 OR nspname ~ $2`, [
      `%\\_${runId}`,
      `_${runId}w[0-9]+$`,
    ]);
    for (const { nspname } of rows) await pg.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await pg.end();
  }

  const nc = await connect({ servers: process.env.NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (new RegExp(`_${runId}(w[0-9]+)?$`).test(stream.config.name)) await jsm.streams.delete(stream.config.name);
    }
  } finally {
    await nc.close();
  }

  const redis = new Redis(process.env.REDIS_URL as string);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.REDIS_PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
