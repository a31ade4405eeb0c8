export { newEvent, parseEnvelope } from './events';
export { connectNats, DUPLICATE_WINDOW_MS, ensureStream } from './jetstream';
export { durableFor, eventTypeOf, streamFor, subjectFor, subjectMatches } from './naming';
export type { MessagingNaming } from './naming';
export { appendToOutbox, createMessagingTables } from './outbox';
export { OutboxRelay } from './outbox-relay';
export type { OutboxRelayOptions, RelayLogger } from './outbox-relay';
export { EventConsumer } from './event-consumer';
export type { EventConsumerOptions, EventHandler } from './event-consumer';
