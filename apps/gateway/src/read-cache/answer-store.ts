/**
 * Subgraph answers kept in this process's memory, least recently used first
 * out once their bytes pass the bound, and never served past their TTL. An
 * answer is kept as its JSON text: each hit gets an object of its own (the
 * gateway's executor may change what a fetch returns while merging it), and
 * the text's length is the size the bound counts.
 */
export class AnswerStore {
  private readonly entries = new Map<string, { json: string; expiresAt: number }>();
  private used = 0;

  constructor(
    /** Bytes (UTF-16 code units × 2, plus the key) the entries may take together. */
    private readonly maxBytes: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The answer stored under `key`, parsed anew; undefined when absent or expired. */
  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.used -= sizeOf(key, entry.json);
      return undefined;
    }
    // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently used.
    this.entries.set(key, entry);
    return JSON.parse(entry.json) as T;
  }

  set(key: string, answer: unknown): void {
    const json = JSON.stringify(answer);
    const size = sizeOf(key, json);
    // One answer larger than a quarter of the bound would evict most of the others for itself.
    if (size > this.maxBytes / 4) return;
    this.delete(key);
    this.entries.set(key, { json, expiresAt: this.now() + this.ttlMs });
    this.used += size;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.used -= sizeOf(oldest, entry.json);
    }
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= sizeOf(key, entry.json);
  }
}

function sizeOf(key: string, json: string): number {
  return (key.length + json.length) * 2;
}
