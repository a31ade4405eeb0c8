import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchPlatform {
  gatewayUrl: string;
  salesUrl: string;
  stop(): Promise<void>;
}

/**
 * Uses a running platform when BENCH_GATEWAY_URL and BENCH_SALES_URL are set;
 * otherwise starts one with the `npm start` launcher on its own ports, each
 * service in its own process (as deployed), and stops it afterwards.
 */
export async function benchPlatform(): Promise<BenchPlatform> {
  const { BENCH_GATEWAY_URL, BENCH_SALES_URL } = process.env;
  if (BENCH_GATEWAY_URL && BENCH_SALES_URL) {
    return { gatewayUrl: BENCH_GATEWAY_URL, salesUrl: BENCH_SALES_URL, stop: async () => undefined };
  }
  const ports = { gateway: 4100, identity: 4101, sales: 4102, analytics: 4104 };
  const child = spawn(process.execPath, [join(__dirname, '..', 'start', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(ports.gateway),
      IDENTITY_PORT: String(ports.identity),
      SALES_PORT: String(ports.sales),
      ANALYTICS_PORT: String(ports.analytics),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // The benchmark measures serving, not the limiter's refusals.
      RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  await waitUntilReady(child, `${gatewayUrl}/health/ready`);
  return {
    gatewayUrl,
    salesUrl: `http://127.0.0.1:${ports.sales}`,
    stop: () => stopChild(child),
  };
}

async function waitUntilReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`platform not ready at ${url} within 120 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}
