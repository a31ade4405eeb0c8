export type EventsCommand =
  | { command: 'parked'; service?: string; json: boolean }
  | { command: 'replay'; ids: string[]; all: boolean; service?: string }
  | { command: 'discard'; ids: string[] }
  | { command: 'resync'; service: string; tenantId: string; recordTypes: string[] };

import { UsageError } from '../cli/command-line';

export { UsageError };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const USAGE = `npm run events -- <command>

  parked  [--service NAME] [--json]   list parked events (id, consumer, type, tenant, attempts, error)
  replay  ID... | --all [--service NAME]
                                      apply parked events through the consumer that parked them
                                      (exactly once: its inbox skips what it has applied)
  discard ID...                       delete parked events for good
  resync  --service NAME --tenant ID [--type RECORD]...
                                      the owning service republishes the tenant's live records
                                      (all its types, or the ones named: sales contact, service
                                      case) for every copy to apply; read models that rebuild
                                      (replayReadModel) ask for this themselves (ADR 053)

IDs are as \`parked\` lists them: <service>:<number>. Connects with NATS_URL,
NATS_SUBJECT_PREFIX and NATS_STREAM_SUFFIX, as the services do.`;

/** Reads the command line; throws UsageError naming what is wrong. */
export function parseEventsArgs(argv: readonly string[]): EventsCommand {
  const [command, ...rest] = argv;
  const positional: string[] = [];
  let service: string | undefined;
  let json = false;
  let all = false;
  let tenantId: string | undefined;
  const recordTypes: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--service') {
      service = rest[++i];
      if (!service || !/^[a-z0-9_-]+$/.test(service)) throw new UsageError('--service needs a service name, e.g. --service sales');
    } else if (arg === '--tenant') {
      tenantId = rest[++i];
      if (!tenantId || !UUID.test(tenantId)) throw new UsageError('--tenant needs the tenant id (a UUID)');
    } else if (arg === '--type') {
      const type = rest[++i];
      if (!type || !/^[a-z_]+$/.test(type)) throw new UsageError('--type needs a record type, e.g. --type contact');
      recordTypes.push(type);
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
    case 'resync':
      if (!service || !tenantId || positional.length > 0 || all || json)
        throw new UsageError('resync needs --service and --tenant (and optionally --type), nothing else');
      return { command, service, tenantId: tenantId.toLowerCase(), recordTypes };
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  }
}
