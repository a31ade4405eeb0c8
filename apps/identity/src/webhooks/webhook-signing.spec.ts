import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders, signingSecrets } from './webhook-signing';

describe('webhook signing', () => {
  const body = JSON.stringify({ id: 'e1', type: 'sales.contact.created', data: { contact: { id: 'c1' } } });

  it('signs so that the standardwebhooks library verifies it', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = signedHeaders([secret], 'e1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('is refused for another secret, another body or another id', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'e1', new Date(), body);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow(/signature/i);
    expect(() => new Webhook(secret).verify(body.replace('c1', 'c2'), { ...headers })).toThrow(/signature/i);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'e2' })).toThrow(/signature/i);
  });

  it('signs with both secrets during a rotation, each verifying on its own', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const now = new Date();
    const secrets = signingSecrets(
      { secret: newSecret, previousSecret: oldSecret, previousSecretExpiresAt: new Date(now.getTime() + 60_000) },
      now,
    );
    const headers = signedHeaders(secrets, 'e1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toBeTruthy();
    expect(new Webhook(newSecret).verify(body, { ...headers })).toBeTruthy();
  });

  it('drops the previous secret once its grace period is over', () => {
    const now = new Date();
    const endpoint = { secret: 'whsec_bmV3', previousSecret: 'whsec_b2xk', previousSecretExpiresAt: new Date(now.getTime() - 1) };
    expect(signingSecrets(endpoint, now)).toEqual(['whsec_bmV3']);
  });

  it('stamps the timestamp in seconds, which the library checks against its tolerance', () => {
    const secret = newWebhookSecret();
    const stale = signedHeaders([secret], 'e1', new Date(Date.now() - 10 * 60_000), body);
    expect(stale['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(() => new Webhook(secret).verify(body, { ...stale })).toThrow(/too old/i);
  });
});
