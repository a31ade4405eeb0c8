import { STREAMS, type StreamKey } from '@rapport/contracts';

export interface ResealCommand {
  command: 'reseal';
  /** The streams to rewrite (keys of STREAMS); all of them when none was named. */
  streams: StreamKey[];
  dryRun: boolean;
  abort: boolean;
}

export type StreamsCommand = ResealCommand;

import { UsageError } from '../cli/command-line';

export { UsageError };

const NAMES = Object.keys(STREAMS) as StreamKey[];

export const USAGE = `npm run streams -- <command>

  reseal [--stream NAME]... [--dry-run]   rewrite the event streams so that no message holds a
                                          personal value readable (ADR 052): each message whose
                                          type has personal fields is sealed; order, subjects and
                                          message ids stay, durable consumers keep their place.
                                          Stop the services first: a stream must have been quiet
                                          for the duplicate window (10 min). Running it again
                                          resumes a run that stopped.
  reseal --stream NAME --abort            remove the copies of a run that stopped while copying

Streams: ${NAMES.join(', ')} (default: all). Connects with NATS_URL,
NATS_SUBJECT_PREFIX and NATS_STREAM_SUFFIX, as the services do.`;

/** Reads the command line; throws UsageError naming what is wrong. */
export function parseStreamsArgs(argv: readonly string[]): StreamsCommand {
  const [command, ...rest] = argv;
  const streams: StreamKey[] = [];
  let dryRun = false;
  let abort = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--stream') {
      const name = rest[++i]?.toUpperCase();
      if (!name || !NAMES.includes(name as StreamKey)) throw new UsageError(`--stream needs one of ${NAMES.join(', ')}`);
      if (!streams.includes(name as StreamKey)) streams.push(name as StreamKey);
    } else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--abort') abort = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (command !== 'reseal') throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  if (abort && (dryRun || streams.length !== 1)) throw new UsageError('--abort names one --stream and nothing else');
  return { command, streams: streams.length > 0 ? streams : NAMES, dryRun, abort };
}
