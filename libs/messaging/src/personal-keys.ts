import { randomBytes } from 'node:crypto';
import type { KV, NatsConnection } from 'nats';
import { bucketFor, type MessagingNaming } from './naming';

/**
 * One data key. `revision` tells keys of one record apart: a record erased
 * and then written again gets a new key, which must not be mistaken for the
 * destroyed one its old messages were sealed with.
 */
export interface DataKey {
  key: Buffer;
  revision: number;
}

/** Where sealing finds the data keys (PersonalKeys; a map in unit tests). */
export interface PersonalKeySource {
  /** The record's key, made on first use. */
  keyFor(keyId: string): Promise<DataKey>;
  /** The record's current key, or null once destroyed (or never made). */
  find(keyId: string): Promise<DataKey | null>;
}

/**
 * Per-record data keys in a JetStream key-value bucket every service reaches
 * (ADR 034): NATS is already the one thing all of them share, and a KV
 * purge removes a key with its history, which is what erasure needs. One
 * revision per key, kept in memory by nobody: a destroyed key is gone for
 * every process at once.
 */
export class PersonalKeys implements PersonalKeySource {
  private kv: Promise<KV> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
  ) {}

  /** The bucket's name (test runs suffix it like streams, so teardown removes it). */
  get bucket(): string {
    return bucketFor(this.naming, 'PERSONAL_KEYS');
  }

  async keyFor(keyId: string): Promise<DataKey> {
    const found = await this.find(keyId);
    if (found) return found;
    const kv = await this.open();
    try {
      await kv.create(keyId, randomBytes(32));
    } catch (err) {
      // Another process made it first (create refuses an existing key): use theirs.
      if (!/wrong last sequence|key exists/i.test((err as Error).message)) throw err;
    }
    const made = await this.find(keyId);
    if (!made) throw new Error(`data key ${keyId} vanished while it was made`);
    return made;
  }

  async find(keyId: string): Promise<DataKey | null> {
    const entry = await (await this.open()).get(keyId);
    return entry && entry.operation === 'PUT' && entry.value.length === 32
      ? { key: Buffer.from(entry.value), revision: entry.revision }
      : null;
  }

  /** Whether the key was destroyed (its purge marker is what is left of it), i.e. the record's person was erased. */
  async shredded(keyId: string): Promise<boolean> {
    const entry = await (await this.open()).get(keyId);
    return entry?.operation === 'PURGE' || entry?.operation === 'DEL';
  }

  /** Destroys the keys with their history; what was sealed with them can no longer be read anywhere. */
  async shred(keyIds: readonly string[]): Promise<void> {
    const kv = await this.open();
    for (const keyId of new Set(keyIds)) await kv.purge(keyId);
  }

  private open(): Promise<KV> {
    this.kv ??= this.nc
      .jetstream()
      .views.kv(this.bucket, { history: 1 })
      .catch((err: unknown) => {
        this.kv = null;
        throw err;
      });
    return this.kv;
  }
}
