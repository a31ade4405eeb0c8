import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelConfigurationError, InvalidMessageError, TransientChannelError } from '../errors';
import type { SmsMessage } from '../message';
import { HttpProvider } from '../testing';
import { parseDeliveryReceipt, ReceiptRejectedError, SIGNATURE_HEADER, type DeliveryReceipt } from './delivery-receipt';
import { HttpProviderChannel } from './http-provider-channel';

const API_KEY = 'test-api-key-1';
const WEBHOOK_SECRET = 'whsec-0123456789abcdef0123456789abcdef';

function sms(n: number, change: Partial<SmsMessage> = {}): SmsMessage {
  return {
    messageId: `0190f5a4-7c1e-7b3a-9d2e-${String(n).padStart(12, '0')}`,
    to: `+49151000000${String(n).padStart(2, '0')}`,
    text: `Hi ${n}`,
    ...change,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('HttpProviderChannel against a local HTTP provider', () => {
  let provider: HttpProvider;
  let channel: HttpProviderChannel<SmsMessage>;

  beforeAll(async () => {
    provider = await HttpProvider.start({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET });
    channel = HttpProviderChannel.sms({
      url: `${provider.url}/v1/sms`,
      apiKey: API_KEY,
      timeoutMs: 500,
      callbackUrl: 'https://marketing.rapport.test/receipts',
    });
  });
  afterEach(() => provider.reset());
  afterAll(async () => {
    await channel.close();
    await provider.close();
  });

  it('POSTs the wire format with the API key and idempotency key, and returns the provider id', async () => {
    const message = sms(1, { metadata: { tenant: 't-1', campaign: 'c-7' } });
    await expect(channel.send(message)).resolves.toEqual({ status: 'SENT', providerMessageId: 'prov-000001' });

    const [request] = provider.requests;
    expect(request.path).toBe('/v1/sms');
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
      'idempotency-key': message.messageId,
    });
    expect(request.body).toEqual({
      messageId: message.messageId,
      channel: 'SMS',
      to: '+4915100000001',
      text: 'Hi 1',
      metadata: { tenant: 't-1', campaign: 'c-7' },
      callbackUrl: 'https://marketing.rapport.test/receipts',
    });
  });

  it('sends push notifications with title and data, and a bare key in a header of choice', async () => {
    const push = HttpProviderChannel.push({ url: `${provider.url}/v1/push`, apiKey: API_KEY, apiKeyHeader: 'X-Api-Key' });
    try {
      const result = await push.send({
        messageId: 'm-push-1',
        to: 'fcm:token-abc',
        title: 'Your cart',
        text: 'Still thinking?',
        data: { cart: 'c-9' },
      });
      expect(result).toMatchObject({ status: 'SENT' });
      const [request] = provider.requests;
      expect(request.headers['x-api-key']).toBe(API_KEY);
      expect(request.headers.authorization).toBeUndefined();
      expect(request.body).toEqual({
        messageId: 'm-push-1',
        channel: 'PUSH',
        to: 'fcm:token-abc',
        text: 'Still thinking?',
        title: 'Your cart',
        data: { cart: 'c-9' },
      });
    } finally {
      await push.close();
    }
  });

  it('reports a 4xx refusal of the recipient as BOUNCED with the provider reason', async () => {
    provider.replyTo('+4915100000002', { status: 400, body: { error: 'number not in service' } });
    await expect(channel.send(sms(2))).resolves.toEqual({ status: 'BOUNCED', reason: 'number not in service', code: '400' });
  });

  it('makes 429 transient with its Retry-After, and the retry is sent with the same idempotency key', async () => {
    provider.replyTo(
      '+4915100000003',
      { status: 429, headers: { 'retry-after': '2' }, body: { error: 'rate limited' } },
      { status: 202, body: { id: 'late-3' } },
    );
    const err = await failure(channel.send(sms(3)));
    expect(err).toBeInstanceOf(TransientChannelError);
    expect(err).toMatchObject({ code: '429', retryAfterMs: 2000 });

    await expect(channel.send(sms(3))).resolves.toEqual({ status: 'SENT', providerMessageId: 'late-3' });
    expect(provider.requests.map((r) => r.headers['idempotency-key'])).toEqual([sms(3).messageId, sms(3).messageId]);
  });

  it('makes a 5xx transient', async () => {
    provider.replyTo('+4915100000004', { status: 503, body: 'upstream carrier down' });
    expect(await failure(channel.send(sms(4)))).toMatchObject({ name: 'TransientChannelError', code: '503' });
  });

  it('gives up on a provider slower than the timeout, as transient', async () => {
    provider.replyTo('+4915100000005', { status: 202, body: { id: 'too-late' }, delayMs: 3000 });
    const err = await failure(channel.send(sms(5)));
    expect(err).toBeInstanceOf(TransientChannelError);
    expect(err).toMatchObject({ code: 'TIMEOUT' });
    expect(err.message).toMatch(/did not answer within 500 ms/);
  });

  it('stops when the caller aborts, as transient', async () => {
    provider.replyTo('+4915100000006', { status: 202, body: { id: 'x' }, delayMs: 3000 });
    const controller = new AbortController();
    const sending = channel.send(sms(6), { signal: controller.signal });
    await provider.waitForRequests(1);
    controller.abort();
    expect(await failure(sending)).toMatchObject({ name: 'TransientChannelError', code: 'ABORTED' });
  });

  it('blames the configuration for a wrong key or a URL that does not speak the wire format', async () => {
    const wrongKey = HttpProviderChannel.sms({ url: `${provider.url}/v1/sms`, apiKey: 'wrong' });
    const keyError = await failure(wrongKey.send(sms(7)));
    expect(keyError).toBeInstanceOf(ChannelConfigurationError);
    expect(keyError.message).toMatch(/refused our API key \(401: invalid API key\)/);

    provider.replyToAll({ status: 404, body: '<html>Not Found</html>' });
    const urlError = await failure(channel.send(sms(8)));
    expect(urlError).toBeInstanceOf(ChannelConfigurationError);
    expect(urlError.message).toMatch(/answered 404 without \{"error": "…"\}/);
  });

  it('bounces a number that is not E.164 without calling the provider', async () => {
    await expect(channel.send(sms(9, { to: '0151 000000 09' }))).resolves.toMatchObject({ status: 'BOUNCED', code: 'INVALID_NUMBER' });
    expect(provider.requests).toHaveLength(0);
  });

  it('refuses a malformed message before any request, naming the field', async () => {
    const push = HttpProviderChannel.push({ url: `${provider.url}/v1/push`, apiKey: API_KEY });
    const err = await failure(push.send({ messageId: 'm-bad', to: 'bad token', title: 'Line one\nLine two', text: 'x' }));
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect(err).toMatchObject({ field: 'title', message: 'title: must not contain line breaks' });
    expect(provider.requests).toHaveLength(0);
  });

  it('makes an unreachable provider transient', async () => {
    const gone = await HttpProvider.start();
    const url = gone.url;
    await gone.close();
    const unreachable = HttpProviderChannel.sms({ url, apiKey: API_KEY });
    expect(await failure(unreachable.send(sms(10)))).toMatchObject({ name: 'TransientChannelError', code: 'ECONNREFUSED' });
  });
});

describe('delivery receipts from the provider', () => {
  let provider: HttpProvider;
  let receiver: Server;
  let webhook: string;
  const received: DeliveryReceipt[] = [];

  beforeAll(async () => {
    provider = await HttpProvider.start({ webhookSecret: WEBHOOK_SECRET });
    // What the marketing service's webhook does: verify over the raw bytes, then record.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          received.push(parseDeliveryReceipt(Buffer.concat(chunks), req.headers[SIGNATURE_HEADER], WEBHOOK_SECRET));
          res.writeHead(204).end();
        } catch (err) {
          const rejected = err as ReceiptRejectedError;
          res.writeHead(rejected.problem === 'signature' ? 401 : 400).end(rejected.message);
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/receipts`;
  });
  afterAll(async () => {
    await provider.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('accepts a correctly signed receipt and reads it', async () => {
    const answer = await provider.sendReceipt(webhook, {
      id: 'prov-000001',
      messageId: 'm-1',
      status: 'DELIVERED',
      at: '2026-05-01T10:00:05Z',
    });
    expect(answer.status).toBe(204);
    expect(received).toContainEqual({
      providerMessageId: 'prov-000001',
      messageId: 'm-1',
      status: 'DELIVERED',
      at: new Date('2026-05-01T10:00:05Z'),
    });
  });

  it('refuses a receipt signed with another secret, or not signed at all', async () => {
    const before = received.length;
    const wrong = await provider.sendReceipt(webhook, { id: 'prov-2', status: 'BOUNCED' }, { signWith: 'not-the-secret' });
    const unsigned = await provider.sendReceipt(webhook, { id: 'prov-2', status: 'BOUNCED' }, { signature: '' });
    expect([wrong.status, unsigned.status]).toEqual([401, 401]);
    expect(wrong.body).toBe('x-rapport-signature is missing or does not match the body');
    expect(received).toHaveLength(before);
  });

  it('refuses a signed receipt that is not in the format', async () => {
    const answer = await provider.sendReceipt(webhook, { id: 'prov-3', status: 'READ' as never });
    expect(answer).toEqual({ status: 400, body: 'status: expected one of DELIVERED, BOUNCED, FAILED' });
  });
});
