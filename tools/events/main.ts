/**
 * `npm run events -- parked|replay|discard`: what operators do with events a
 * consumer gave up on (docs/adr/018-dead-letter.md); `resync` has an owning
 * service republish a tenant's live records (docs/adr/053-stream-retention-and-resync.md). Runs compiled, from
 * dist/, so it works in the service images too.
 */
import { env, loadEnv, platformEnv } from '@rapport/config';
import {
  connectNats,
  discardParked,
  listParked,
  replayAllParked,
  replayParked,
  requestResync,
  type MessagingNaming,
} from '@rapport/messaging';
import { runCommandLine } from '../cli/command-line';
import { parseEventsArgs, USAGE, type EventsCommand } from './args';
import { discardLine, parkedTable, replayLine } from './render';

const cliEnv = {
  NATS_URL: platformEnv.NATS_URL,
  NATS_SUBJECT_PREFIX: platformEnv.NATS_SUBJECT_PREFIX,
  NATS_STREAM_SUFFIX: platformEnv.NATS_STREAM_SUFFIX,
  EVENTS_REPLAY_TIMEOUT_MS: env.int({ default: 30_000, min: 1, description: 'how long replay waits for the service to answer' }),
};

/** Runs one command; the exit code is 1 when anything asked for did not happen. */
async function run(cmd: EventsCommand, print: (line: string) => void): Promise<number> {
  const config = loadEnv(cliEnv);
  const naming: MessagingNaming = { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX };
  // Its error names the address tried (without credentials).
  const nc = await connectNats(config.NATS_URL, 'rapport-events-cli');
  try {
    switch (cmd.command) {
      case 'parked': {
        const parked = await listParked(nc, naming, { service: cmd.service });
        if (cmd.json) print(JSON.stringify(parked, null, 2));
        else parkedTable(parked).forEach((line) => print(line));
        return 0;
      }
      case 'replay': {
        const results = cmd.all
          ? await replayAllParked(nc, naming, { service: cmd.service })
          : await sequentially(cmd.ids, (id) => replayParked(nc, naming, id, config.EVENTS_REPLAY_TIMEOUT_MS));
        if (results.length === 0) print('no parked events');
        results.forEach((r) => print(replayLine(r)));
        return results.some((r) => r.outcome !== 'applied' && r.outcome !== 'already-applied') ? 1 : 0;
      }
      case 'discard': {
        const discarded = await sequentially(cmd.ids, (id) => discardParked(nc, naming, id));
        cmd.ids.forEach((id, i) => print(discardLine(id, discarded[i])));
        return discarded.includes(null) ? 1 : 0;
      }
      case 'resync': {
        const { resyncId, published } = await requestResync(nc, naming, cmd.service, {
          tenantId: cmd.tenantId,
          recordTypes: cmd.recordTypes,
        });
        print(
          `resync ${resyncId}: ${Object.entries(published)
            .map(([type, n]) => `${n} ${type}`)
            .join(', ')} republished by ${cmd.service}`,
        );
        return 0;
      }
    }
  } finally {
    await nc.close();
  }
}

async function sequentially<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

runCommandLine(parseEventsArgs, run, USAGE);
