import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError, loadEnv, platformEnv, type EnvField } from '@rapport/config';

/**
 * Endpoint secrets at rest (docs/adr/048-webhook-secrets-encrypted-at-rest.md).
 * They sign every delivery (HMAC), so they cannot be hashed like API keys:
 * they are sealed with AES-256-GCM under an application key from
 * WEBHOOK_SECRET_KEYS. Each sealed value names the key id it was sealed
 * with, so the operator can add a new key in front (it seals from then on)
 * and keep the old ones behind it for opening until every row is resealed.
 * The endpoint's id is the additional data: a value copied into another
 * row does not open there.
 */
export interface WebhookKeyring {
  /** The key id that seals. */
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

const VARIABLE = 'WEBHOOK_SECRET_KEYS';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Stored form: `gcm1:<key id>:<iv>:<tag>:<ciphertext>`, base64url parts. Never starts with `whsec_`. */
const SEALED = /^gcm1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+):([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

/**
 * Outside production only: a fixed, public key, so a laptop or a test run
 * needs no configuration. It protects nothing, which is why production
 * refuses to start without its own.
 */
export const DEV_WEBHOOK_SECRET_KEYS = `dev:${createHash('sha256').update('rapport development webhook secret key').digest('base64')}`;

function parseKeyring(raw: string): WebhookKeyring {
  const keys = new Map<string, Buffer>();
  let current = '';
  for (const entry of raw.split(',').map((e) => e.trim())) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    if (!KEY_ID.test(id))
      throw new Error('expected <key id>:<base64 of 32 bytes>[,<older id>:<key>…]; key ids are letters, digits, _ or -');
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${id}" is not 32 bytes in base64 (openssl rand -base64 32)`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
    current ||= id;
  }
  return { current, keys };
}

export const WEBHOOK_SECRET_KEYS_ENV: EnvField<string> = {
  parse: (raw) => {
    parseKeyring(raw);
    return raw;
  },
  default: '',
  secret: true,
  description:
    'keys that encrypt webhook endpoint secrets at rest: <id>:<base64 of 32 bytes>, the first seals, older ones after it still open (required in production)',
};

/** The keyring the configuration names; production refuses to run on the development key. */
export function webhookKeyring(config: { NODE_ENV: string; WEBHOOK_SECRET_KEYS: string }): WebhookKeyring {
  if (!config.WEBHOOK_SECRET_KEYS && config.NODE_ENV === 'production') {
    throw new ConfigError([`${VARIABLE} is required in production (<id>:<base64 of 32 bytes>; openssl rand -base64 32)`]);
  }
  return parseKeyring(config.WEBHOOK_SECRET_KEYS || DEV_WEBHOOK_SECRET_KEYS);
}

/** The keyring from the process environment: for migrations, which TypeORM constructs without the service's config. */
export function webhookKeyringFromEnv(source: NodeJS.ProcessEnv = process.env): WebhookKeyring {
  return webhookKeyring(loadEnv({ NODE_ENV: platformEnv.NODE_ENV, WEBHOOK_SECRET_KEYS: WEBHOOK_SECRET_KEYS_ENV }, source));
}

export function isSealed(stored: string): boolean {
  return SEALED.test(stored);
}

export function sealSecret(keyring: WebhookKeyring, endpointId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.keys.get(keyring.current) as Buffer, iv);
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['gcm1', keyring.current, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

/** The key id a stored value was sealed with (null: not a sealed value). */
export function sealedKeyId(stored: string): string | null {
  return SEALED.exec(stored)?.[1] ?? null;
}

/** The secret again; an error naming WEBHOOK_SECRET_KEYS when the key is missing or wrong (never the value). */
export function openSecret(keyring: WebhookKeyring, endpointId: string, stored: string): string {
  const parts = SEALED.exec(stored);
  if (!parts) throw new Error(`webhook endpoint ${endpointId}: stored secret is not sealed (the migration that seals them has not run)`);
  const [, id, iv, tag, data] = parts;
  const key = keyring.keys.get(id);
  if (!key) throw new ConfigError([`${VARIABLE} has no key "${id}", which sealed the secret of webhook endpoint ${endpointId}`]);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(endpointId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new ConfigError([`${VARIABLE} key "${id}" does not open the secret of webhook endpoint ${endpointId} (wrong key?)`]);
  }
}
