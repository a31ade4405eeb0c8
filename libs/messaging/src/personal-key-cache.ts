import type { DataKey } from './personal-keys';

/**
 * The data keys one process holds (ADR 076): at most `max`, least recently
 * used dropped first. It only stores; whether an entry may be used is the
 * watch's call (PersonalKeyWatch), and what may enter is decided by the
 * tickets below.
 */
export class PersonalKeyCache {
  private readonly entries = new Map<string, DataKey>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry, marked as just used. */
  get(keyId: string): DataKey | undefined {
    const entry = this.entries.get(keyId);
    if (entry) {
      this.entries.delete(keyId);
      this.entries.set(keyId, entry);
    }
    return entry;
  }

  peek(keyId: string): DataKey | undefined {
    return this.entries.get(keyId);
  }

  set(keyId: string, key: DataKey): void {
    if (this.max <= 0) return;
    this.entries.delete(keyId);
    this.entries.set(keyId, key);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(keyId: string): void {
    this.entries.delete(keyId);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * One read or write of a key on the server, in flight. The watch marks it
 * when it sees the key change meanwhile: its answer may then predate a
 * purge the watch already applied, so it must neither enter the cache nor
 * (if a purge was seen) be handed out.
 */
export interface KeyTicket {
  readonly keyId: string;
  /** The watch generation the request was sent in (-1: no live watch then, so never cached). */
  readonly generation: number;
  /** A purge or delete of the key was seen while the request was out. */
  destroyed: boolean;
  /** The highest revision of the key the watch saw written while the request was out. */
  newestWrite: number;
}

/** The tickets in flight, by key, for the watch to mark. */
export class KeyTickets {
  private readonly open = new Map<string, Set<KeyTicket>>();

  begin(keyId: string, generation: number): KeyTicket {
    const ticket: KeyTicket = { keyId, generation, destroyed: false, newestWrite: 0 };
    let set = this.open.get(keyId);
    if (!set) this.open.set(keyId, (set = new Set()));
    set.add(ticket);
    return ticket;
  }

  end(ticket: KeyTicket): void {
    const set = this.open.get(ticket.keyId);
    set?.delete(ticket);
    if (set?.size === 0) this.open.delete(ticket.keyId);
  }

  destroyed(keyId: string): void {
    for (const ticket of this.open.get(keyId) ?? []) ticket.destroyed = true;
  }

  written(keyId: string, revision: number): void {
    for (const ticket of this.open.get(keyId) ?? []) ticket.newestWrite = Math.max(ticket.newestWrite, revision);
  }
}
