import { HealthRegistry } from '@rapport/observability';
import type { Express } from 'express';

/** Short: a frozen subgraph must not hold up the report, and ops tools poll it. */
const PROBE_TIMEOUT_MS = 1500;

export interface SubgraphState {
  name: string;
  url: string;
  status: 'ok' | 'down';
  ms: number;
  error?: string;
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
  app.get('/health/subgraphs', (_req, res, next) => {
    probes
      .readiness(PROBE_TIMEOUT_MS)
      .then(({ checks }) => {
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
        res.status(200).json({ subgraphs });
      })
      .catch(next);
  });
}
