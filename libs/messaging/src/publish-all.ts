import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';

export interface OutgoingMessage {
  subject: string;
  data: Uint8Array;
  /** Must carry Nats-Msg-Id: the stream drops a re-sent copy by it. */
  headers: MsgHdrs;
}

/** How long a batch may wait for all its acknowledgements before it counts as failed (and is sent again). */
export const PUBLISH_ALL_TIMEOUT_MS = 30_000;

/**
 * Publishes `messages` to JetStream in the order given and resolves once the
 * stream acknowledged every one of them (rejects on the first refusal, a
 * subject no stream takes, or the timeout). What `Promise.all(js.publish…)`
 * does, without its cost per message: js.publish is a request, which sets a
 * timer, registers in the request mux and, when the answer comes, builds a
 * NatsError (a stack trace) to cancel it — in analytics' profile under order
 * ingest that was most of the relay's CPU (ADR 063). Here all messages share
 * one reply subscription (`<inbox>.<index>`), one timer and one promise; the
 * server's PubAck answers are the same, so a message counts as stored only
 * once the stream said so, as before.
 */
export function publishAll(nc: NatsConnection, messages: readonly OutgoingMessage[], timeoutMs = PUBLISH_ALL_TIMEOUT_MS): Promise<void> {
  if (messages.length === 0) return Promise.resolve();
  const inbox = createInbox();
  return new Promise<void>((resolve, reject) => {
    let pending = messages.length;
    const acked = new Uint8Array(messages.length);
    let sub: Subscription | null = null;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      sub?.unsubscribe();
      sub = null;
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`JetStream acknowledged ${messages.length - pending} of ${messages.length} messages within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sub = nc.subscribe(`${inbox}.*`, {
      callback: (err, msg) => {
        if (sub === null) return;
        if (err) return finish(err);
        const failure = refusal(msg);
        const index = Number(msg.subject.slice(inbox.length + 1));
        if (failure) return finish(new Error(`publishing to ${messages[index]?.subject ?? msg.subject} failed: ${failure}`));
        // A repeated answer (a reconnect can replay one) must not count twice.
        if (!(index >= 0 && index < messages.length) || acked[index] === 1) return;
        acked[index] = 1;
        if (--pending === 0) finish(null);
      },
    });
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      nc.publish(m.subject, m.data, { reply: `${inbox}.${i}`, headers: m.headers });
    }
  });
}

/** Why the server's answer to one publish is not a stored message, or null when it is (a PubAck naming the stream). */
function refusal(msg: Msg): string | null {
  // No stream listens on the subject: the server answers 503 (no responders) in a status header.
  if (msg.headers?.hasError) return `${msg.headers.code} ${msg.headers.description}`.trim();
  let ack: { stream?: string; error?: { code?: number; description?: string } };
  try {
    ack = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch {
    return 'the answer is not a JetStream acknowledgement';
  }
  if (ack.error) return `${ack.error.code ?? ''} ${ack.error.description ?? 'refused'}`.trim();
  if (!ack.stream) return 'the answer names no stream';
  return null;
}
