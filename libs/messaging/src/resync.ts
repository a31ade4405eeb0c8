import {
  resyncCompletedType,
  type EventEnvelope,
  type ResyncCompletedDataV1,
  type ResyncReplyV1,
  type ResyncRequestV1,
} from '@rapport/contracts';
import type { NatsConnection } from 'nats';
import { subjectFor, type MessagingNaming } from './naming';

/** Where an owning service answers resync requests (docs/adr/053-stream-retention-and-resync.md); outside every stream's subjects. */
export function resyncSubject(naming: MessagingNaming, service: string): string {
  return subjectFor(naming, `resync.${service}.request`);
}

/** Whether the event is the marker that closes this resync. */
export function closesResync(event: EventEnvelope, service: string, resyncId: string): boolean {
  return event.type === resyncCompletedType(service) && (event.data as ResyncCompletedDataV1 | null)?.resyncId === resyncId;
}

/**
 * Asks the owning service to republish a tenant's live records; resolves once
 * they and the closing marker are in its outbox (they reach the stream
 * shortly after, in that order). Throws, naming the service, when it does not
 * answer or refuses.
 */
export async function requestResync(
  nc: NatsConnection,
  naming: MessagingNaming,
  service: string,
  request: ResyncRequestV1,
  timeoutMs = 10 * 60_000,
): Promise<{ resyncId: string; published: Record<string, number> }> {
  let reply: ResyncReplyV1;
  try {
    const msg = await nc.request(resyncSubject(naming, service), JSON.stringify(request), { timeout: timeoutMs });
    reply = JSON.parse(Buffer.from(msg.data).toString('utf8')) as ResyncReplyV1;
  } catch (err) {
    throw new Error(`${service} did not answer the resync request: ${(err as Error).message}`, { cause: err });
  }
  if ('error' in reply) throw new Error(`${service} refused the resync: ${reply.error}`);
  return reply;
}
