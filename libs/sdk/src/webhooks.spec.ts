import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError } from './webhooks';

const secret = `whsec_${Buffer.from('a partner secret of 32 bytes....').toString('base64')}`;
const rotated = `whsec_${Buffer.from('the next secret, also 32 bytes..').toString('base64')}`;
const event = {
  id: '01938f6e-0000-7000-8000-000000000001',
  type: 'sales.contact.created',
  version: 1,
  tenantId: 't',
  occurredAt: '2026-12-06T12:00:00.000Z',
  actor: { kind: 'user', id: 'u' },
  subjectId: 'c',
  data: { contact: { id: 'c' } },
};
const body = JSON.stringify(event);

/** Headers as Rapport sends them, signed with each secret (two signatures while a secret rotates). */
function signed(secrets: string[], at = new Date()): Record<string, string> {
  const signatures = secrets.map((s) => new Webhook(s).sign(event.id, at, body));
  return {
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

describe('verifyWebhook', () => {
  it('returns the event of a correctly signed delivery (plain headers or fetch Headers)', () => {
    expect(verifyWebhook(secret, signed([secret]), body)).toEqual(event);
    expect(verifyWebhook(secret, new Headers(signed([secret])), Buffer.from(body))).toEqual(event);
  });

  it('accepts either signature while Rapport rotates the secret, and either of the partner’s secrets', () => {
    expect(verifyWebhook(rotated, signed([secret, rotated]), body).id).toBe(event.id);
    expect(verifyWebhook([secret, rotated], signed([rotated]), body).id).toBe(event.id);
  });

  it('refuses a changed body, another secret, a stale timestamp and missing headers', () => {
    expect(() => verifyWebhook(secret, signed([secret]), body.replace('"c"', '"d"'))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(rotated, signed([secret]), body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(secret, signed([secret], new Date(Date.now() - 10 * 60_000)), body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(secret, {}, body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook([], signed([secret]), body)).toThrow(WebhookVerificationError);
  });
});
