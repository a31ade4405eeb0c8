/**
 * `npm run streams -- reseal`: rewrites the event streams so that messages
 * published before their type was sealed hold no personal value readable
 * (docs/adr/052-sealing-every-personal-event-and-resealing-streams.md). Runs compiled, from dist/, so it
 * works in the service images and as a k8s Job (k8s/jobs/reseal-streams.yaml).
 */
import { loadEnv, platformEnv } from '@rapport/config';
import { STREAMS } from '@rapport/contracts';
import { abortReseal, connectNats, PersonalKeys, resealStream, streamFor, type MessagingNaming } from '@rapport/messaging';
import { runCommandLine } from '../cli/command-line';
import { parseStreamsArgs, USAGE, type StreamsCommand } from './args';
import { resealLine } from './render';

const cliEnv = {
  NATS_URL: platformEnv.NATS_URL,
  NATS_SUBJECT_PREFIX: platformEnv.NATS_SUBJECT_PREFIX,
  NATS_STREAM_SUFFIX: platformEnv.NATS_STREAM_SUFFIX,
};

/** Runs one command; the exit code is 1 when a stream was not (fully) resealed. */
async function run(cmd: StreamsCommand, print: (line: string) => void): Promise<number> {
  const config = loadEnv(cliEnv);
  const naming: MessagingNaming = { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX };
  const nc = await connectNats(config.NATS_URL, 'rapport-streams-cli');
  try {
    const jsm = await nc.jetstreamManager();
    const keys = new PersonalKeys(nc, naming);
    let code = 0;
    for (const key of cmd.streams) {
      const stream = streamFor(naming, STREAMS[key]).name;
      const exists = await jsm.streams.info(stream).then(
        () => true,
        () => false,
      );
      if (!exists) {
        print(`${stream}: no such stream`);
        continue;
      }
      if (cmd.abort) {
        print(`${stream}: removed ${await abortReseal(nc, naming, stream)} copies of the stopped run`);
        continue;
      }
      const report = await resealStream(nc, naming, stream, keys, {
        dryRun: cmd.dryRun,
        copied: (seq) => {
          if (seq % 10_000 === 0) print(`${stream}: copied up to message ${seq}`);
        },
      });
      print(resealLine(report));
      if (report.outcome === 'refused') code = 1;
    }
    return code;
  } finally {
    await nc.close();
  }
}

runCommandLine(parseStreamsArgs, run, USAGE);
