import { DeliverPolicy, type JsMsg, type NatsConnection } from 'nats';

const BATCH = 256;

/**
 * Every message of the stream with a sequence in [from, to], in order, as
 * stored (headers and all). An ordered consumer: the server hands messages
 * over in sequence and the client notices a gap, so none is skipped.
 */
export async function readRange(
  nc: NatsConnection,
  stream: string,
  from: number,
  to: number,
  each: (msg: JsMsg) => Promise<void>,
): Promise<void> {
  if (to < from) return;
  const consumer = await nc.jetstream().consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
  for (;;) {
    const messages = await consumer.fetch({ max_messages: BATCH, expires: 5_000 });
    let seen = 0;
    for await (const msg of messages) {
      seen++;
      if (msg.seq > to) return;
      await each(msg);
      if (msg.seq === to || msg.info.pending === 0) return;
    }
    // Nothing came within the wait: nothing is left at or before `to`.
    if (seen === 0) return;
  }
}
