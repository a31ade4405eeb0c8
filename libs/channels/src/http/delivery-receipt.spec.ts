import { parseDeliveryReceipt, ReceiptRejectedError, signReceipt, verifyReceiptSignature } from './delivery-receipt';

const SECRET = 'whsec-test-0123456789abcdef';
const body = JSON.stringify({ id: 'sm-1', messageId: 'm-1', status: 'DELIVERED', at: '2026-05-01T10:00:05.120Z' });

function rejection(raw: string, header: string | string[] | undefined): ReceiptRejectedError {
  try {
    parseDeliveryReceipt(raw, header, SECRET);
  } catch (err) {
    return err as ReceiptRejectedError;
  }
  throw new Error('expected the receipt to be rejected');
}

describe('delivery receipt signatures', () => {
  it('signs with HMAC-SHA256 over the raw body', () => {
    // Reference value: printf '%s' '{"id":"sm-1"}' | openssl dgst -sha256 -hmac 'whsec-test-0123456789abcdef'
    expect(signReceipt('{"id":"sm-1"}', SECRET)).toBe('sha256=3d2b2c08d1da10ae0acaf1ccc2b43e167748d8ec4010a92a42e0f6fad7c93277');
  });

  it('accepts the right signature, in either hex case', () => {
    const signature = signReceipt(body, SECRET);
    expect(verifyReceiptSignature(body, signature, SECRET)).toBe(true);
    expect(verifyReceiptSignature(Buffer.from(body), signature.toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a malformed or repeated header, and an empty secret', () => {
    const signature = signReceipt(body, SECRET);
    expect(verifyReceiptSignature(body, signReceipt(body, 'other-secret'), SECRET)).toBe(false);
    expect(verifyReceiptSignature(body.replace('DELIVERED', 'BOUNCED'), signature, SECRET)).toBe(false);
    expect(verifyReceiptSignature(`${body} `, signature, SECRET)).toBe(false);
    expect(verifyReceiptSignature(body, signature.slice(0, -2), SECRET)).toBe(false);
    expect(verifyReceiptSignature(body, signature.replace('sha256=', 'sha1='), SECRET)).toBe(false);
    expect(verifyReceiptSignature(body, [signature, signature], SECRET)).toBe(false);
    expect(verifyReceiptSignature(body, undefined, SECRET)).toBe(false);
    expect(verifyReceiptSignature(body, signReceipt(body, ''), '')).toBe(false);
  });
});

describe('parseDeliveryReceipt', () => {
  it('reads a signed receipt', () => {
    expect(parseDeliveryReceipt(body, signReceipt(body, SECRET), SECRET)).toEqual({
      providerMessageId: 'sm-1',
      messageId: 'm-1',
      status: 'DELIVERED',
      at: new Date('2026-05-01T10:00:05.120Z'),
    });
    const bounced = JSON.stringify({
      id: 'sm-2',
      status: 'BOUNCED',
      at: '2026-05-01T12:00:00+02:00',
      reason: 'absent subscriber',
      extra: 1,
    });
    expect(parseDeliveryReceipt(bounced, signReceipt(bounced, SECRET), SECRET)).toEqual({
      providerMessageId: 'sm-2',
      status: 'BOUNCED',
      at: new Date('2026-05-01T10:00:00Z'),
      reason: 'absent subscriber',
    });
  });

  it('checks the signature before reading anything', () => {
    const err = rejection('not even json', 'sha256=' + '0'.repeat(64));
    expect(err).toBeInstanceOf(ReceiptRejectedError);
    expect(err).toMatchObject({ problem: 'signature', message: 'x-rapport-signature is missing or does not match the body' });
  });

  it.each([
    ['not json', 'body is not JSON'],
    ['[1]', 'body must be a JSON object'],
    ['{"status":"DELIVERED","at":"2026-05-01T10:00:00Z"}', 'id: the provider message id is required'],
    ['{"id":"x","status":"delivered","at":"2026-05-01T10:00:00Z"}', 'status: expected one of DELIVERED, BOUNCED, FAILED'],
    ['{"id":"x","status":"FAILED","at":"2026-05-01 10:00"}', 'at: expected an ISO-8601 time with a zone'],
    ['{"id":"x","status":"FAILED","at":"2026-05-01T10:00:00"}', 'at: expected an ISO-8601 time with a zone'],
    ['{"id":"x","status":"FAILED","at":"2026-02-31T10:00:00Z"}', 'at: expected an ISO-8601 time with a zone'],
    ['{"id":"x","status":"FAILED","at":"2026-05-01T10:00:00Z","reason":5}', 'reason: must be a string'],
  ])('refuses a signed body %s', (raw, message) => {
    const err = rejection(raw, signReceipt(raw, SECRET));
    expect(err).toMatchObject({ problem: 'body' });
    expect(err.message).toContain(message);
  });
});
