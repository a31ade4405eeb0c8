import { randomBytes } from 'node:crypto';
import { ConfigError, loadEnv } from '@rapport/config';
import { IdentityWebhookSecretsSealed1766950000000 } from '../migrations/1766950000000-identity-webhook-secrets-sealed';
import { WebhookSecrets } from './webhook-secrets';
import { newWebhookSecret } from './webhook-signing';
import {
  isSealed,
  openSecret,
  sealedKeyId,
  sealSecret,
  WEBHOOK_SECRET_KEYS_ENV,
  webhookKeyring,
  webhookKeyringFromEnv,
} from './webhook-secret-keys';

const key = () => randomBytes(32).toString('base64');
const ring = (keys: string) => webhookKeyring({ NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: keys });
const ENDPOINT = '0190b7c2-0000-7000-8000-000000000001';

describe('webhook secrets sealed at rest', () => {
  it('seals with AES-256-GCM under the first key, naming it, with nothing of the secret in clear', () => {
    const keyring = ring(`k2:${key()},k1:${key()}`);
    const secret = newWebhookSecret();
    const sealed = sealSecret(keyring, ENDPOINT, secret);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe('k2');
    expect(sealed).not.toContain('whsec_');
    expect(sealed).not.toContain(secret.slice(6));
    expect(sealed).not.toContain(Buffer.from(secret.slice(6), 'base64').toString('base64url'));
    expect(sealSecret(keyring, ENDPOINT, secret)).not.toBe(sealed); // a fresh IV each time
    expect(openSecret(keyring, ENDPOINT, sealed)).toBe(secret);
  });

  it('opens with an older key kept behind the current one (key rotation)', () => {
    const old = `k1:${key()}`;
    const sealed = sealSecret(ring(old), ENDPOINT, 'whsec_x');
    expect(openSecret(ring(`k2:${key()},${old}`), ENDPOINT, sealed)).toBe('whsec_x');
  });

  it('refuses a missing or wrong key with an error naming WEBHOOK_SECRET_KEYS, never the value', () => {
    const k1 = key();
    const sealed = sealSecret(ring(`k1:${k1}`), ENDPOINT, 'whsec_x');
    expect(() => openSecret(ring(`k2:${key()}`), ENDPOINT, sealed)).toThrow(ConfigError);
    expect(() => openSecret(ring(`k2:${key()}`), ENDPOINT, sealed)).toThrow(/WEBHOOK_SECRET_KEYS has no key "k1"/);
    expect(() => openSecret(ring(`k1:${key()}`), ENDPOINT, sealed)).toThrow(/WEBHOOK_SECRET_KEYS key "k1" does not open/);
    // Bound to its row: the value copied to another endpoint does not open there.
    expect(() => openSecret(ring(`k1:${k1}`), '0190b7c2-0000-7000-8000-000000000002', sealed)).toThrow(/WEBHOOK_SECRET_KEYS/);
    expect(() => openSecret(ring(`k1:${k1}`), ENDPOINT, 'whsec_clear')).toThrow(/not sealed/);
  });

  it('is required in production and defaults to a development key elsewhere', () => {
    expect(() => webhookKeyring({ NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: '' })).toThrow(ConfigError);
    expect(() => webhookKeyring({ NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: '' })).toThrow(
      /WEBHOOK_SECRET_KEYS is required in production/,
    );
    expect(() => webhookKeyringFromEnv({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET_KEYS is required in production/);
    expect(webhookKeyring({ NODE_ENV: 'development', WEBHOOK_SECRET_KEYS: '' }).current).toBe('dev');
    expect(webhookKeyringFromEnv({}).current).toBe('dev');
  });

  it('stops the service and the migration in production without the variable, naming it', async () => {
    expect(() => new WebhookSecrets({ NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: '' } as never, null as never)).toThrow(
      /WEBHOOK_SECRET_KEYS is required in production/,
    );
    const saved = { ...process.env };
    Object.assign(process.env, { NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: '' });
    try {
      const untouched = { query: jest.fn() };
      await expect(new IdentityWebhookSecretsSealed1766950000000().up(untouched as never)).rejects.toThrow(
        /WEBHOOK_SECRET_KEYS is required in production/,
      );
      expect(untouched.query).not.toHaveBeenCalled();
    } finally {
      process.env = saved;
    }
  });

  it('rejects a malformed variable at configuration time, naming it without echoing it', () => {
    const spec = { WEBHOOK_SECRET_KEYS: WEBHOOK_SECRET_KEYS_ENV };
    for (const bad of ['justakey', `k1:${randomBytes(16).toString('base64')}`, `k1:${key()},k1:${key()}`, `bad id:${key()}`]) {
      let error: unknown;
      try {
        loadEnv(spec, { WEBHOOK_SECRET_KEYS: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/WEBHOOK_SECRET_KEYS is invalid/);
      expect((error as Error).message).not.toContain(bad);
    }
    expect(loadEnv(spec, { WEBHOOK_SECRET_KEYS: `k1:${key()}` }).WEBHOOK_SECRET_KEYS).toMatch(/^k1:/);
  });
});
