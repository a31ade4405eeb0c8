import { performance } from 'node:perf_hooks';
import type { KV, KvEntry, NatsConnection } from 'nats';
import { bucketFor, type MessagingNaming } from './naming';
import { KeyCreates, validKey } from './personal-key-creates';
import { KeyTickets, PersonalKeyCache, type KeyTicket } from './personal-key-cache';
import { PersonalKeyWatch } from './personal-key-watch';
import { pooledRandomBytes } from './random-pool';

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

export interface PersonalKeysOptions {
  /** Keys one process keeps (default 20 000; 0 keeps none and every call asks the server). */
  maxCached?: number;
  /**
   * The erasure bound for sealing (default 1000 ms): `keyFor` seals with a
   * cached key only while the watch was proven caught up at most this long
   * ago. Opening (`find`) accepts no age at all.
   */
  sealStaleMs?: number;
  /** Told when the bucket watch fails (it restarts; meanwhile every call asks the server). */
  onWatchError?: (err: unknown) => void;
}

const ATTEMPTS = 5;

/** A read in flight: `sentAt` is when its request went out (Infinity until then). */
interface Flight {
  sentAt: number;
  result: Promise<DataKey | null>;
}

const isKey = (entry: KvEntry | null): boolean => entry?.operation === 'PUT' && entry.value.length === 32;
const asKey = (entry: KvEntry): DataKey => ({ key: Buffer.from(entry.value), revision: entry.revision });

/** A create or compare-and-set refused because the key's last revision is not the one expected. */
function wrongLastSequence(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(e?.message ?? '');
}

/**
 * Per-record data keys in a JetStream key-value bucket every service reaches
 * (ADR 034): NATS is already the one thing all of them share, and a KV
 * purge removes a key with its history, which is what erasure needs.
 *
 * Each process keeps the keys it used (ADR 076), evicted by a watch on the
 * bucket and trusted only as far as the watch is proven caught up: `find`
 * (opening) hands out a cached key only after a proof sent after it was
 * called, so a key purged before the call is never returned, as if it had
 * asked the server; `keyFor` (sealing) accepts a proof up to `sealStaleMs`
 * old, so no process seals with a key purged longer ago than that. A watch
 * that fails drops the cache; until it runs again every call asks the
 * server. `shred` evicts in its own process before it returns.
 */
export class PersonalKeys implements PersonalKeySource {
  private kv: Promise<KV> | null = null;
  private readonly cache: PersonalKeyCache;
  private readonly tickets = new KeyTickets();
  private readonly watch: PersonalKeyWatch;
  private readonly sealStaleMs: number;
  /** Reads and makes in flight, shared by concurrent calls for one key (with when they were sent). */
  private readonly reading = new Map<string, Flight>();
  private readonly making = new Map<string, Promise<DataKey>>();
  /** New keys' writes, those asked for together sent together. */
  private readonly creates: KeyCreates;
  /** Share of recent `keyFor` misses that found a key already made (over 0.5: read first, else create first). */
  private existingShare = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: MessagingNaming,
    options: PersonalKeysOptions = {},
  ) {
    this.cache = new PersonalKeyCache(options.maxCached ?? 20_000);
    this.sealStaleMs = options.sealStaleMs ?? 1000;
    this.creates = new KeyCreates(nc, this.bucket);
    this.watch = new PersonalKeyWatch(
      () => this.open(),
      () => this.nc.isClosed() || this.nc.isDraining(),
      {
        entry: (entry) => this.changed(entry),
        reset: () => this.cache.clear(),
        failed: options.onWatchError,
      },
    );
  }

  /** The bucket's name (test runs suffix it like streams, so teardown removes it). */
  get bucket(): string {
    return bucketFor(this.naming, 'PERSONAL_KEYS');
  }

  /** Keys held in this process now. */
  get cached(): number {
    return this.cache.size;
  }

  async keyFor(keyId: string): Promise<DataKey> {
    const calledAt = performance.now();
    if (this.cache.max > 0) this.watch.ensureStarted();
    if (this.cache.peek(keyId)) {
      if (this.watch.trusted(this.sealStaleMs)) {
        // Renewed ahead of need, so a busy sealer never waits for a proof.
        if (!this.watch.trusted(this.sealStaleMs / 2)) void this.watch.prove(calledAt - this.sealStaleMs / 2);
        const hit = this.cache.get(keyId);
        if (hit) return hit;
      } else if (await this.watch.prove(calledAt - this.sealStaleMs)) {
        const hit = this.cache.get(keyId);
        if (hit) return hit;
      }
    }
    let made = this.making.get(keyId);
    if (!made) {
      made = this.make(keyId).finally(() => this.making.delete(keyId));
      this.making.set(keyId, made);
    }
    return made;
  }

  async find(keyId: string): Promise<DataKey | null> {
    const calledAt = performance.now();
    if (this.cache.max > 0) this.watch.ensureStarted();
    // A key opens nothing purged before this call: the proof must be sent after it.
    if (this.cache.peek(keyId) && (await this.watch.prove(calledAt))) {
      const hit = this.cache.get(keyId);
      if (hit) return hit;
    }
    // A read serves the callers that came before its request went out (sentAt Infinity until then).
    const running = this.reading.get(keyId);
    if (running && running.sentAt >= calledAt) return running.result;
    const flight: Flight = { sentAt: Number.POSITIVE_INFINITY, result: Promise.resolve(null) };
    flight.result = this.read(keyId, flight).finally(() => {
      if (this.reading.get(keyId) === flight) this.reading.delete(keyId);
    });
    this.reading.set(keyId, flight);
    return flight.result;
  }

  /** Whether the key was destroyed (its purge marker is what is left of it), i.e. the record's person was erased. */
  async shredded(keyId: string): Promise<boolean> {
    const entry = await (await this.open()).get(keyId);
    return entry?.operation === 'PURGE' || entry?.operation === 'DEL';
  }

  /**
   * Destroys the keys with their history; what was sealed with them can no
   * longer be read anywhere. Evicted here before it returns; other processes
   * evict as their watch delivers the purge (ADR 076 for the bound).
   */
  async shred(keyIds: readonly string[]): Promise<void> {
    const kv = await this.open();
    for (const keyId of new Set(keyIds)) {
      await kv.purge(keyId);
      this.forget(keyId);
    }
  }

  /** Resolves once the watch is proven caught up with the bucket as of now (false: no live watch to prove). */
  async caughtUp(): Promise<boolean> {
    const calledAt = performance.now();
    return (await this.watch.untilLive()) && this.watch.prove(calledAt);
  }

  /** Stops the watch (the connection's close stops it too). */
  close(): void {
    this.watch.close();
    this.cache.clear();
  }

  /** The key as the server has it now; retried if the watch saw it destroyed while the answer was on its way. */
  private async read(keyId: string, flight: Flight): Promise<DataKey | null> {
    const kv = await this.open();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const ticket = this.tickets.begin(keyId, this.watch.cacheGeneration);
      try {
        if (attempt === 0) flight.sentAt = performance.now();
        const entry = await kv.get(keyId);
        if (ticket.destroyed) continue;
        return entry && isKey(entry) ? this.keep(ticket, asKey(entry)) : null;
      } finally {
        this.tickets.end(ticket);
      }
    }
    throw new Error(`data key ${keyId} changed under every read`);
  }

  /**
   * The record's key from the server, made if there is none: one request for
   * a new record (a create carrying the key made here; its revision is the
   * create's answer), one for an existing one when most recent misses found
   * one (read first), two for a record erased before (its purge marker's
   * revision is what the create must name).
   */
  private async make(keyId: string): Promise<DataKey> {
    const kv = await this.open();
    let previous: number | null = this.existingShare > 0.5 ? null : 0;
    let first = true;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const ticket = this.tickets.begin(keyId, this.watch.cacheGeneration);
      try {
        if (previous === null) {
          const entry = await kv.get(keyId);
          if (first) this.learn(isKey(entry));
          first = false;
          if (ticket.destroyed) continue;
          if (entry && isKey(entry)) return this.keep(ticket, asKey(entry));
          previous = entry?.revision ?? 0;
        }
        const key = pooledRandomBytes(32);
        try {
          // What kv.put sends, batched with the other new keys of this turn (KeyCreates).
          const revision = validKey(keyId)
            ? await this.creates.create(keyId, key, previous ?? 0)
            : await kv.put(keyId, key, { previousSeq: previous ?? 0 });
          if (first) this.learn(false);
          first = false;
          if (ticket.destroyed) {
            previous = null;
            continue;
          }
          return this.keep(ticket, { key, revision });
        } catch (err) {
          if (!wrongLastSequence(err)) throw err;
          // Made by another process (or erased since we looked): read what is there.
          if (first) this.learn(true);
          first = false;
          previous = null;
        }
      } finally {
        this.tickets.end(ticket);
      }
    }
    throw new Error(`data key ${keyId} could not be made`);
  }

  private learn(existed: boolean): void {
    this.existingShare = this.existingShare * 0.9 + (existed ? 0.1 : 0);
  }

  /** Caches what a request learned, if the watch that will evict it was live when it was sent and saw no change of the key since. */
  private keep(ticket: KeyTicket, key: DataKey): DataKey {
    const current = ticket.generation >= 0 && ticket.generation === this.watch.cacheGeneration;
    if (current && !ticket.destroyed && ticket.newestWrite <= key.revision) this.cache.set(ticket.keyId, key);
    return key;
  }

  private forget(keyId: string): void {
    this.cache.delete(keyId);
    this.tickets.destroyed(keyId);
  }

  /** A change the watch delivered: a purge evicts; a write of another revision than the one held evicts too. */
  private changed(entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.forget(entry.key);
      return;
    }
    const held = this.cache.peek(entry.key);
    if (held && held.revision !== entry.revision) this.cache.delete(entry.key);
    this.tickets.written(entry.key, entry.revision);
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
