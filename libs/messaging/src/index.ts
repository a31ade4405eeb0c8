export { newEvent, parseEnvelope } from './events';
export { connectNats, DEFAULT_MAX_AGE_MS, DUPLICATE_WINDOW_MS, ensureStream, streamLimits, withoutCredentials } from './jetstream';
export type { StreamRetention } from './jetstream';
export { ensureProducedStream, ensureStreamOnce } from './ensured-streams';
export { durableFor, eventTypeOf, streamFor, subjectFor, subjectMatches } from './naming';
export type { MessagingNaming } from './naming';
export {
  appendManyToOutbox,
  appendPackedToOutbox,
  appendToOutbox,
  createMessagingTables,
  derivedEventId,
  OUTBOX_CHUNK,
  OUTBOX_EVENTS,
  outboxEnvelopes,
  outboxEvents,
  OUTBOX_PACK,
  PACKED_OUTBOX_TYPE,
} from './outbox';
export type { OutboxExpander } from './outbox';
export { eventFlowCounters } from './flow-counters';
export type { ConsumedOutcome, EventFlowCounters } from './flow-counters';
export { OutboxRelay } from './outbox-relay';
export type { OutboxRelayOptions, RelayLogger } from './outbox-relay';
export { EventConsumer } from './event-consumer';
export type { EventConsumerOptions, EventHandler } from './event-consumer';
export { BatchEventConsumer } from './batch-event-consumer';
export type { BatchEventConsumerOptions, BatchEventHandler } from './batch-event-consumer';
export { DEFAULT_RETRY, attemptsAllowed, budgetMs, retryDelay } from './retry-policy';
export type { RetryPolicy } from './retry-policy';
export { DeadLetter } from './dead-letter';
export type { DeadLetterLogger, ReplayOutcome, ReplayReply, ReplayTarget } from './dead-letter';
export { deadLetterStream, parseParkedId } from './dead-letter-record';
export type { ParkedEvent, ParkedRecord } from './dead-letter-record';
export { deadLetterServices, discardParked, listParked, replayAllParked, replayParked } from './dead-letter-admin';
export type { ReplayResult } from './dead-letter-admin';
export { PersonalKeys } from './personal-keys';
export type { DataKey, PersonalKeySource } from './personal-keys';
export { needsSealing, openPersonal, sealPersonal, withPersonalErased } from './personal-sealing';
export { abortReseal, RESEAL_RUN, RESEALED_FROM, ResealError, resealStream, type ResealOptions, type ResealReport } from './reseal/reseal';
export { closesResync, requestResync, resyncSubject } from './resync';
export { currentMessageContext, messageHeaders, STORED_TRACE_KEY } from './trace-context';
export { publishAll } from './publish-all';
export type { OutgoingMessage } from './publish-all';
export { TenantGenerations } from './read-cache/tenant-generations';
export { TenantChanges, type TenantChangesLogger } from './read-cache/tenant-changes';
