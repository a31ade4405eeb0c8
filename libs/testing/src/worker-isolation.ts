import { isolationEnv } from './run-isolation';

/**
 * Jest setup file of the integration tests: each Jest worker gets names of
 * its own inside the run (`<run id>w<worker>`: schemas, streams, subjects,
 * Redis keys), so two workers never share a stream's durable consumers, a
 * BullMQ queue or a schema's migrations — each worker's platforms see only
 * their own events and jobs, exactly as with one worker. Global teardown
 * removes everything under the run id, workers' names included.
 */
const runId = process.env.RAPPORT_TEST_RUN_ID;
const worker = process.env.JEST_WORKER_ID;
const base = process.env.RAPPORT_TEST_RUN_BASE ?? runId;
if (base && worker) Object.assign(process.env, isolationEnv(`${base}w${worker}`), { RAPPORT_TEST_RUN_BASE: base });
