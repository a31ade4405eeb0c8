import type { JsMsg } from 'nats';
import { parseInfo } from 'nats/lib/jetstream/jsmsg';
import { deliveryCountOf } from './delivery-count';

/** A message with this ack subject whose `info` parses it as the client does. */
const withReply = (reply: string) =>
  ({
    reply,
    get info() {
      return parseInfo(reply);
    },
  }) as unknown as JsMsg;

describe('deliveryCountOf', () => {
  it.each([
    ['$JS.ACK.SALES_x.identity_webhooks_sales_x.1.27.27.1765112345123456789.0'],
    ['$JS.ACK.SALES_x.identity_webhooks_sales_x.7.120345.99.1765112345123456789.4211'],
    ['$JS.ACK._.ACCHASH.SALES.identity_webhooks_sales.3.27.27.1765112345123456789.0.aBcD'],
    ['$JS.ACK.hub.ACCHASH.SALES.identity_audit_sales.12.5.5.1765112345123456789.17.xyz'],
  ])('reads the delivery count as JsMsg.info does: %s', (reply) => {
    expect(deliveryCountOf(withReply(reply))).toBe(parseInfo(reply).redeliveryCount);
  });

  it('leaves a subject of another shape to JsMsg.info', () => {
    expect(() => deliveryCountOf(withReply('_INBOX.abc.def'))).toThrow(/not js message/);
  });
});
