import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';
import type { EventEnvelope } from '@rapport/contracts';
import { logContext, REQUEST_ID } from '@rapport/observability';
import { headers as natsHeaders, type JsMsg, type MsgHdrs } from 'nats';

/**
 * W3C trace context and the request id from the change that wrote an event
 * to the consumers that apply it (ADR 047). The outbox stores them beside
 * the envelope, under a key the relay takes off again before publishing, and
 * the relay sends them as `traceparent`/`tracestate`/`x-request-id` message
 * headers; consumers continue the trace from them and log (and audit, and
 * publish) under the same request id, so a request can be followed through
 * everything it caused even with tracing off. With tracing off (no provider
 * registered) no trace context is stored, sent or started: the OpenTelemetry
 * API is a no-op then.
 */
export const STORED_TRACE_KEY = '_traceContext';

/** The message header (and stored key) carrying the request id of the change that wrote the event. */
export const REQUEST_ID_HEADER = 'x-request-id';

type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('@rapport/messaging');

/** The active trace context as W3C headers and the current request's id, or null when there is neither. */
export function currentMessageContext(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  const requestId = logContext.getStore()?.requestId;
  if (requestId) carrier[REQUEST_ID_HEADER] = requestId;
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/** An envelope as the outbox stores it: with the writer's trace context when there is one. */
export function storedEnvelope(event: EventEnvelope, trace: TraceCarrier | null): string {
  const json = JSON.stringify(event);
  // The trace key appended to the envelope's JSON text: the same document as stringifying a copy with the key, without
  // the copy (a bulk ingest stores thousands of envelopes a request, ADR 063).
  return trace ? `${json.slice(0, -1)},${JSON.stringify(STORED_TRACE_KEY)}:${JSON.stringify(trace)}}` : json;
}

/** What the relay publishes of a stored envelope, and the trace context to send with it. */
export function publishedEnvelope(stored: EventEnvelope): { envelope: EventEnvelope; trace: TraceCarrier | null } {
  const { [STORED_TRACE_KEY]: trace, ...envelope } = stored as EventEnvelope & { [STORED_TRACE_KEY]?: TraceCarrier };
  return { envelope: envelope as EventEnvelope, trace: trace ?? null };
}

/**
 * Message headers carrying the event type and, when there are, its trace
 * context and request id; with `msgId`, also Nats-Msg-Id (the stream's
 * de-duplication key, which js.publish would set from its msgID option).
 */
export function messageHeaders(type: string, trace: TraceCarrier | null, msgId?: string): MsgHdrs {
  const h = natsHeaders();
  if (msgId !== undefined) h.set('Nats-Msg-Id', msgId);
  h.set('Rapport-Event-Type', type);
  for (const [name, value] of Object.entries(trace ?? {})) h.set(name, value);
  return h;
}

/**
 * Whether a trace context propagator is registered, i.e. tracing is on
 * (startTracing registers W3C's). Off, a message's trace headers are not
 * read at all: decoding every message's headers to find none was a few
 * per cent of a busy consumer's CPU.
 */
function propagating(): boolean {
  return propagation.fields().length > 0;
}

/** The trace context a message carries (the root context when it carries none, or tracing is off). */
export function contextOf(msg: JsMsg): Context {
  if (!propagating()) return ROOT_CONTEXT;
  const h = msg.headers;
  if (!h) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, h, {
    keys: (carrier) => carrier.keys(),
    get: (carrier, key) => carrier.get(key) || undefined,
  });
}

/** The request id a message carries, when it carries a well-formed one. */
export function requestIdOf(msg: JsMsg): string | null {
  const id = msg.headers?.get(REQUEST_ID_HEADER);
  return id && REQUEST_ID.test(id) ? id : null;
}

/**
 * Runs a consumer's handling of one message as a CONSUMER span in the trace
 * that produced it, so its SQL (and anything it publishes) joins that trace,
 * and under the request id that caused it (logs, audit entries, events).
 */
export async function inConsumerSpan<T>(msg: JsMsg, event: EventEnvelope, durable: string, work: () => Promise<T>): Promise<T> {
  const requestId = requestIdOf(msg);
  const handle = requestId ? () => logContext.run({ requestId }, work) : work;
  return tracer().startActiveSpan(
    `${event.type} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.consumer.group.name': durable, 'messaging.message.id': event.id },
    },
    contextOf(msg),
    async (span) => {
      try {
        return await handle();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A batch applies events of many traces in one transaction: its span links to
 * each message's trace, and each message gets a short CONSUMER span in its own
 * trace, so every producing trace shows where its event was applied.
 */
export async function inBatchSpan<T>(batch: { msg: JsMsg; event: EventEnvelope }[], durable: string, work: () => Promise<T>): Promise<T> {
  if (!propagating()) return work();
  const links: Link[] = [];
  for (const { msg } of batch) {
    const spanContext = trace.getSpanContext(contextOf(msg));
    if (spanContext) links.push({ context: spanContext });
  }
  if (links.length === 0) return work();
  return tracer().startActiveSpan(
    `${durable} process batch`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: { 'messaging.system': 'nats', 'messaging.consumer.group.name': durable, 'messaging.batch.message_count': batch.length },
    },
    async (batchSpan) => {
      const perMessage = batch.map(({ msg, event }) =>
        tracer().startSpan(
          `${event.type} process`,
          {
            kind: SpanKind.CONSUMER,
            links: [{ context: batchSpan.spanContext() }],
            attributes: { 'messaging.consumer.group.name': durable, 'messaging.message.id': event.id },
          },
          contextOf(msg),
        ),
      );
      try {
        return await work();
      } catch (err) {
        for (const span of [batchSpan, ...perMessage]) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        for (const span of perMessage) span.end();
        batchSpan.end();
      }
    },
  );
}
