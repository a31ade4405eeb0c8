import type { StreamDefinition } from '@rapport/contracts';
import type { NatsConnection } from 'nats';
import { ensureStream, type StreamRetention } from './jetstream';
import { streamFor, type MessagingNaming } from './naming';

/**
 * Streams ensured on a connection, by name. A service's start ensured the
 * same stream once per consumer of it (IDENTITY a dozen times in some
 * services), three JetStream requests each (the API check, the stream's
 * info, an update that changed nothing): about a second of every platform
 * start in the tests (ADR 088). A connection lives as long as one start of
 * the service, so a restart ensures everything again; a failed ensure is
 * forgotten, so the next caller tries again.
 */
const ensured = new WeakMap<NatsConnection, Map<string, Promise<string>>>();

function streamsOf(nc: NatsConnection): Map<string, Promise<string>> {
  let streams = ensured.get(nc);
  if (!streams) ensured.set(nc, (streams = new Map()));
  return streams;
}

function remember(nc: NatsConnection, name: string, pending: Promise<string>): Promise<string> {
  const streams = streamsOf(nc);
  streams.set(name, pending);
  pending.catch(() => {
    if (streams.get(name) === pending) streams.delete(name);
  });
  return pending;
}

/**
 * ensureStream for a consumer's registration (no retention: the producer's
 * stays), done once per stream and connection; later callers share the
 * first one's answer. Not for a loop that re-ensures after a failure (the
 * stream may have been deleted since): that calls ensureStream itself.
 */
export function ensureStreamOnce(nc: NatsConnection, naming: MessagingNaming, def: StreamDefinition): Promise<string> {
  const { name } = streamFor(naming, def);
  return streamsOf(nc).get(name) ?? remember(nc, name, ensureStream(nc, naming, def));
}

/**
 * The producer's ensure (its retention applied, always: ADR 053), which
 * also counts as the registration's: a service consuming its own stream
 * does not ensure it again at the same start.
 */
export function ensureProducedStream(
  nc: NatsConnection,
  naming: MessagingNaming,
  def: StreamDefinition,
  retention: StreamRetention,
): Promise<string> {
  return remember(nc, streamFor(naming, def).name, ensureStream(nc, naming, def, retention));
}
