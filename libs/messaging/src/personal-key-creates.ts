import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from 'nats';

/** How long a batch of creates waits for its answers (nats.js' JetStream publish default). */
export const KEY_CREATE_TIMEOUT_MS = 5000;

/** nats.js' rule for a KV key (kv.js `validKeyRe`); a key outside it is left to `kv.put`, which refuses it. */
const VALID_KEY = /^[-/=.\w]+$/;

interface Create {
  keyId: string;
  key: Buffer;
  previous: number;
  resolve(revision: number): void;
  reject(err: unknown): void;
}

/** The server's refusal of one create, shaped as nats.js rejects `kv.put` (`api_error`), so callers tell a conflict apart alike. */
export class KeyCreateError extends Error {
  constructor(
    message: string,
    readonly api_error?: { code?: number; err_code?: number; description?: string },
  ) {
    super(message);
  }
}

export const validKey = (keyId: string): boolean => !keyId.startsWith('.') && !keyId.endsWith('.') && VALID_KEY.test(keyId);

/**
 * Writes of new data keys into the bucket, each what `kv.put(key, value,
 * { previousSeq })` sends — a publish to `$KV.<bucket>.<key>` with
 * `Nats-Expected-Last-Subject-Sequence`, answered by the stream's PubAck (the
 * key's revision) or a refusal (10071, wrong last sequence: made or erased
 * meanwhile) — but the creates asked for in one turn of the event loop (a
 * relay batch sealing for contacts that have no key yet) share one reply
 * subscription and one timer, as publishAll does for events (ADR 063). A
 * `kv.put` is a request of its own: a timer, an entry in the request mux, a
 * NatsError built to cancel it; in marketing's campaign profile that was
 * most of the 5.6 % the new keys cost (ADR 085). Each create still gets its
 * own answer: one refused does not fail the others.
 */
export class KeyCreates {
  private queue: Create[] = [];
  private scheduled = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly timeoutMs = KEY_CREATE_TIMEOUT_MS,
  ) {}

  /** Writes `key` as `keyId`'s value if its last revision is `previous` (0: it has none); resolves with the new revision. */
  create(keyId: string, key: Buffer, previous: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keyId, key, previous, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const inbox = createInbox();
    let pending = batch.length;
    const answered = new Uint8Array(batch.length);
    let sub: Subscription | null = null;
    const done = () => {
      clearTimeout(timer);
      sub?.unsubscribe();
      sub = null;
    };
    const timer = setTimeout(() => {
      done();
      const err = new KeyCreateError(
        `JetStream answered ${batch.length - pending} of ${batch.length} key creates within ${this.timeoutMs} ms`,
      );
      batch.forEach((c, i) => answered[i] === 0 && c.reject(err));
    }, this.timeoutMs);
    try {
      sub = this.nc.subscribe(`${inbox}.*`, {
        callback: (err, msg) => {
          if (sub === null) return;
          if (err) {
            done();
            batch.forEach((c, i) => answered[i] === 0 && c.reject(err));
            return;
          }
          const index = Number(msg.subject.slice(inbox.length + 1));
          // A repeated answer (a reconnect can replay one) must not count twice.
          if (!(index >= 0 && index < batch.length) || answered[index] === 1) return;
          answered[index] = 1;
          const outcome = answer(msg);
          if (typeof outcome === 'number') batch[index].resolve(outcome);
          else batch[index].reject(outcome);
          if (--pending === 0) done();
        },
      });
      for (let i = 0; i < batch.length; i++) {
        const c = batch[i];
        const h = headers();
        h.set('Nats-Expected-Last-Subject-Sequence', `${c.previous}`);
        this.nc.publish(`$KV.${this.bucket}.${c.keyId}`, c.key, { reply: `${inbox}.${i}`, headers: h });
      }
    } catch (err) {
      // A closed or draining connection: nothing more will answer.
      done();
      batch.forEach((c, i) => answered[i] === 0 && c.reject(err));
    }
  }
}

/** The revision a PubAck gives the key, or why the server did not store it. */
function answer(msg: Msg): number | KeyCreateError {
  // No stream listens on the subject (the bucket is gone): 503 no responders in a status header.
  if (msg.headers?.hasError) return new KeyCreateError(`${msg.headers.code} ${msg.headers.description}`.trim());
  let ack: { stream?: string; seq?: number; error?: { code?: number; err_code?: number; description?: string } };
  try {
    ack = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch {
    return new KeyCreateError('the answer is not a JetStream acknowledgement');
  }
  if (ack.error) return new KeyCreateError(ack.error.description ?? 'refused', ack.error);
  if (!ack.stream || typeof ack.seq !== 'number') return new KeyCreateError('the answer names no stream and revision');
  return ack.seq;
}
