import type { JsMsg } from 'nats';

/** '.' */
const DOT = 46;

/**
 * How many times JetStream has delivered the message, read from its ack
 * subject alone. JsMsg.info parses the whole subject into an object of nine
 * fields, and every message of a busy stream is asked this (to park one
 * that keeps killing the process): that parse was a few per cent of a
 * consumer's CPU. The subject is
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`, or
 * since NATS 2.9 possibly `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.…`
 * with a token after pending (names hold no dots); anything else is left to
 * JsMsg.info.
 */
export function deliveryCountOf(msg: JsMsg): number {
  // The client's message has it (JsMsg.info reads it from there); the interface does not show it.
  const reply = (msg as JsMsg & { reply?: string }).reply ?? '';
  if (reply.startsWith('$JS.ACK.')) {
    let dots = 0;
    for (let i = 0; i < reply.length; i++) if (reply.charCodeAt(i) === DOT) dots++;
    const token = dots === 8 ? 4 : dots >= 11 ? 6 : -1;
    if (token > 0) {
      let start = 0;
      for (let n = 0; n < token; n++) start = reply.indexOf('.', start) + 1;
      const count = Number(reply.slice(start, reply.indexOf('.', start)));
      if (Number.isInteger(count) && count > 0) return count;
    }
  }
  return msg.info.redeliveryCount;
}
