import { Client } from 'pg';
import { isolationEnv, newRunId, TEST_DATABASE } from './run-isolation';

/** Jest global setup for integration tests: a run id, its environment, and the test database. */
export default async function globalSetup(): Promise<void> {
  const runId = newRunId();
  Object.assign(process.env, isolationEnv(runId));
  const admin = new Client({ connectionString: adminUrl(process.env.DATABASE_URL as string) });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEST_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${TEST_DATABASE}`).catch(ignoreDuplicate);
  } finally {
    await admin.end();
  }
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

function ignoreDuplicate(err: { code?: string }): void {
  if (err.code !== '42P04' && err.code !== '23505') throw err;
}
