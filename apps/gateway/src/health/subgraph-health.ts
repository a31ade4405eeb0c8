import { HealthRegistry } from '@rapport/observability';
import type { Express } from 'express';

/** Short: a frozen subgraph must not hold up the report, and ops tools poll it. */
const PROBE_TIMEOUT_MS = 1500;
/**
 * The route is anonymous and each answer costs one probe per subgraph: requests
 * within this window share one round of probes, so a flood cannot multiply
 * into traffic on the subgraphs (a rate limit would only move the problem).
 */
export const SUBGRAPH_REPORT_MAX_AGE_MS = 1000;

export interface SubgraphState {
  name: string;
  url: string;
  status: 'ok' | 'down';
  ms: number;
  error?: string;
}

export interface SubgraphReport {
  /** When the probes of this report started (ISO 8601); answers within SUBGRAPH_REPORT_MAX_AGE_MS share it. */
  checkedAt: string;
  subgraphs: SubgraphState[];
}

/**
 * GET /health/subgraphs: each subgraph's own readiness, probed in parallel,
 * always 200. It is information, never the gateway's readiness: a gateway
 * with one subgraph down still serves the others (their fields degrade one
 * by one), and if readiness followed subgraphs, every gateway pod would
 * leave the load balancer at once.
 */
export function mountSubgraphHealth(app: Express, urls: Record<string, string>): void {
  const probes = new HealthRegistry();
  for (const [name, url] of Object.entries(urls)) {
    probes.register(name, async () => {
      const res = await fetch(new URL('/health/ready', url), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch((err: Error) => {
        // undici says only "fetch failed"; the cause names it (ECONNREFUSED …).
        throw new Error((err.cause as { code?: string } | undefined)?.code ?? err.message);
      });
      if (!res.ok) throw new Error(`/health/ready answered HTTP ${res.status}`);
    });
  }
  const probeAll = async (): Promise<SubgraphReport> => {
    const checkedAt = new Date().toISOString();
    const { checks } = await probes.readiness(PROBE_TIMEOUT_MS);
    const subgraphs: SubgraphState[] = Object.entries(urls).map(([name, url]) => {
      const check = checks[name];
      return {
        name,
        url,
        status: check?.status === 'ok' ? 'ok' : 'down',
        ms: check?.ms ?? 0,
        ...(check?.error ? { error: check.error } : {}),
      };
    });
    return { checkedAt, subgraphs };
  };
  const report = sharedFor(SUBGRAPH_REPORT_MAX_AGE_MS, probeAll);
  app.get('/health/subgraphs', (_req, res, next) => {
    report()
      .then((body) => res.status(200).json(body))
      .catch(next);
  });
}

/** One call of `produce` at a time, its result shared by every caller until it is `maxAgeMs` old. */
export function sharedFor<T>(maxAgeMs: number, produce: () => Promise<T>, now = Date.now): () => Promise<T> {
  let current: { startedAt: number; result: Promise<T> } | null = null;
  return () => {
    if (current && now() - current.startedAt < maxAgeMs) return current.result;
    const startedAt = now();
    const result = produce();
    // A failed round is not kept: the next caller tries again.
    result.catch(() => {
      if (current?.result === result) current = null;
    });
    current = { startedAt, result };
    return result;
  };
}
