export type EventsCommand =
  | { command: 'parked'; service?: string; json: boolean }
  | { command: 'replay'; ids: string[]; all: boolean; service?: string }
  | { command: 'discard'; ids: string[] };

export class UsageError extends Error {}

export const USAGE = `npm run events -- <command>

  parked  [--service NAME] [--json]   list parked events (id, consumer, type, tenant, attempts, error)
  replay  ID... | --all [--service NAME]
                                      apply parked events through the consumer that parked them
                                      (exactly once: its inbox skips what it has applied)
  discard ID...                       delete parked events for good

IDs are as \`parked\` lists them: <service>:<number>. Connects with NATS_URL,
NATS_SUBJECT_PREFIX and NATS_STREAM_SUFFIX, as the services do.`;

/** Reads the command line; throws UsageError naming what is wrong. */
export function parseEventsArgs(argv: readonly string[]): EventsCommand {
  const [command, ...rest] = argv;
  const positional: string[] = [];
  let service: string | undefined;
  let json = false;
  let all = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--service') {
      service = rest[++i];
      if (!service || !/^[a-z0-9_-]+$/.test(service)) throw new UsageError('--service needs a service name, e.g. --service sales');
    } else if (arg === '--json') json = true;
    else if (arg === '--all') all = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  switch (command) {
    case 'parked':
      if (positional.length > 0 || all) throw new UsageError('parked takes only --service and --json');
      return { command, service, json };
    case 'replay':
      if (all === positional.length > 0) throw new UsageError('replay needs parked ids or --all (not both)');
      if (service && !all) throw new UsageError('--service goes with --all; an id names its service');
      return { command, ids: positional, all, service };
    case 'discard':
      if (positional.length === 0 || all || service)
        throw new UsageError('discard needs the ids of the parked events (no --all: look first)');
      return { command, ids: positional };
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  }
}
