import { createCipheriv, createDecipheriv } from 'node:crypto';
import { PERSONAL_FIELDS, personalKeyId, type EventEnvelope } from '@rapport/contracts';
import type { PersonalKeySource } from './personal-keys';
import { pooledRandomBytes } from './random-pool';

type Json = Record<string, unknown>;

function get(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) value = value && typeof value === 'object' ? (value as Json)[key] : undefined;
  return value;
}

function set(data: unknown, path: readonly string[], value: unknown): void {
  let target = data as Json;
  for (const key of path.slice(0, -1)) {
    if (!target || typeof target[key] !== 'object' || target[key] === null) return;
    target = target[key] as Json;
  }
  target[path[path.length - 1]] = value;
}

/**
 * The envelope as it goes on the stream: the personal fields its type lists
 * (PERSONAL_FIELDS) encrypted into `personal` under the record's key, each
 * replaced by its erased value. Types without personal fields, events that
 * name no person, and envelopes already sealed pass unchanged.
 */
export async function sealPersonal(envelope: EventEnvelope, keys: PersonalKeySource): Promise<EventEnvelope> {
  const spec = PERSONAL_FIELDS[envelope.type];
  if (!spec || envelope.personal) return envelope;
  const record = spec.record(envelope.data);
  if (!record) return envelope;
  const data = structuredClone(envelope.data);
  const plain: Json = {};
  for (const { path, erased } of spec.fields) {
    const value = get(data, path);
    if (value === undefined) continue;
    plain[path.join('.')] = value;
    set(data, path, erased);
  }
  const keyId = personalKeyId(envelope.tenantId, record);
  const { key, revision } = await keys.keyFor(keyId);
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return {
    ...envelope,
    data,
    personal: {
      keyId,
      keyRevision: revision,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: sealed.toString('base64'),
    },
  };
}

/**
 * Whether the envelope carries personal values readable on the stream: its
 * type lists personal fields, it names a person, it is not sealed yet and
 * holds at least one of them other than its erased value (what the reseal
 * tool rewrites, ADR 052).
 */
export function needsSealing(envelope: EventEnvelope): boolean {
  const spec = PERSONAL_FIELDS[envelope.type];
  if (!spec || envelope.personal || !spec.record(envelope.data)) return false;
  return spec.fields.some(({ path, erased }) => {
    const value = get(envelope.data, path);
    return value !== undefined && JSON.stringify(value) !== JSON.stringify(erased);
  });
}

/**
 * The envelope as it reads once its person was erased: each personal field
 * its erased value, nothing sealed. For old readable messages about someone
 * whose key is already destroyed: sealing them under a new key would give
 * the person back.
 */
export function withPersonalErased(envelope: EventEnvelope): EventEnvelope {
  const spec = PERSONAL_FIELDS[envelope.type];
  if (!spec) return envelope;
  const data = structuredClone(envelope.data);
  for (const { path, erased } of spec.fields) if (get(data, path) !== undefined) set(data, path, erased);
  return { ...envelope, data };
}

/**
 * The envelope as handlers see it: personal fields back in place while the
 * key exists; once it was destroyed (the person erased) the fields keep the
 * erased values sealing left, so a replay projects an anonymous record.
 */
export async function openPersonal(envelope: EventEnvelope, keys: PersonalKeySource): Promise<EventEnvelope> {
  const { personal, ...rest } = envelope;
  if (!personal) return envelope;
  const found = await keys.find(personal.keyId);
  // Destroyed, or destroyed and made anew for later writes: either way not the key this was sealed with.
  if (!found || found.revision !== personal.keyRevision) return rest;
  const decipher = createDecipheriv('aes-256-gcm', found.key, Buffer.from(personal.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(personal.tag, 'base64'));
  const plain = JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(personal.data, 'base64')), decipher.final()]).toString('utf8'),
  ) as Json;
  const data = structuredClone(rest.data);
  for (const [path, value] of Object.entries(plain)) set(data, path.split('.'), value);
  return { ...rest, data };
}
