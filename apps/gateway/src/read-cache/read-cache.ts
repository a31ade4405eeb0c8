import { createHash } from 'node:crypto';
import type { Logger } from '@rapport/observability';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnswerStore } from './answer-store';
import type { TenantGenerations } from '@rapport/messaging';

/**
 * Whole subgraph answers to queries, served again while nothing in their
 * tenant has changed (ADR 080). An answer is found only by the same
 * credentials (the token the subgraph would have verified), the same
 * subgraph, operation text and variables (entity representations included),
 * under the tenant's generation read once per request before its first
 * fetch — and this replica's epoch, which moves whenever it could not read
 * generations (Redis unreachable: a writer's replacement may have been
 * lost meanwhile), so nothing held from before such a gap is served after
 * it. Writers replace the generation themselves, after their commit
 * (ADR 084); this class only reads it.
 */
export class ReadCache {
  private readonly perRequest = new WeakMap<object, Promise<string | null>>();
  /** Fetches under way by key: an identical fetch meanwhile waits for this one instead of asking again. */
  private readonly inFlight = new Map<string, Promise<string>>();
  private epoch = 0;
  private wasLive = false;
  private lastReadFailed = false;
  private readonly fetches: Counter<'result'>;

  constructor(
    private readonly store: AnswerStore,
    private readonly generations: TenantGenerations,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.fetches = new Counter({
      name: 'gateway_read_cache_fetches_total',
      help: 'subgraph fetches of queries by how the read cache answered: hit (from memory), shared (an identical fetch under way answered it), miss (fetched), bypass (fetched, not cacheable)',
      labelNames: ['result'],
      registers: [registry],
    });
    new Gauge({
      name: 'gateway_read_cache_bytes',
      help: 'memory the read cache’s answers take in this gateway replica (bounded by READ_CACHE_MAX_MB)',
      registers: [registry],
      collect() {
        this.set(store.bytes);
      },
    });
  }

  /**
   * The generation this request's answers are read and stored under, read
   * once per request (`request`: its context object); null when nothing may
   * be cached now (Redis not answering, a new tenant).
   */
  generationOf(request: object, tenantId: string): Promise<string | null> {
    let generation = this.perRequest.get(request);
    if (!generation) {
      generation = this.readGeneration(tenantId);
      this.perRequest.set(request, generation);
    }
    return generation;
  }

  key(generation: string, tenantId: string, token: string, subgraph: string, query: string, variables: unknown): string {
    // The variables' JSON holds no raw newline, so the last one splits operation from variables unambiguously.
    const digest = createHash('sha256')
      .update(`${tenantId}\n${token}\n${subgraph}\n${query}\n${JSON.stringify(variables ?? {})}`)
      .digest('base64url');
    return `${generation}/${digest}`;
  }

  lookup<T>(key: string): T | undefined {
    const answer = this.store.get<T>(key);
    if (answer !== undefined) this.fetches.inc({ result: 'hit' });
    return answer;
  }

  keep(key: string, answer: unknown): void {
    this.store.set(key, answer);
  }

  /**
   * Runs `fetch` unless an identical one (same key: same generation,
   * credentials, subgraph, operation and variables) is under way, whose
   * answer — errors included — then answers this one too, as a copy. Right
   * after a generation changes, the requests in flight would otherwise all
   * miss together and send the same fetch each.
   */
  async once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) {
      this.fetches.inc({ result: 'shared' });
      return JSON.parse(await running) as T;
    }
    this.fetches.inc({ result: 'miss' });
    const fetching = fetch().finally(() => this.inFlight.delete(key));
    // Copied as it arrives, before the gateway merges it into its own answer (which changes it).
    const copy = fetching.then((answer) => JSON.stringify(answer));
    copy.catch(() => undefined);
    this.inFlight.set(key, copy);
    return fetching;
  }

  bypassed(): void {
    this.fetches.inc({ result: 'bypass' });
  }

  /** The last generation read reached Redis (/health/ready shows `read-cache` failing otherwise). */
  generationsReadable(): boolean {
    return !this.lastReadFailed;
  }

  private async readGeneration(tenantId: string): Promise<string | null> {
    let generation: string | null;
    try {
      generation = await this.generations.read(tenantId);
      this.lastReadFailed = false;
    } catch (err) {
      if (this.wasLive) this.logger.warn({ err }, 'read cache: tenant generations unreadable; fetching without the cache');
      this.wasLive = false;
      this.lastReadFailed = true;
      return null;
    }
    if (!this.wasLive) {
      // Back after a gap in which a writer's replacement may have failed: what was kept before it is not trusted.
      this.wasLive = true;
      this.epoch++;
      this.store.clear();
    }
    return generation === null ? null : `${generation}.${this.epoch}`;
  }
}
