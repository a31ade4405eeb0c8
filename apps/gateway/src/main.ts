import './tracing';
import { createLogger, shutdownOnSignals } from '@rapport/observability';
import { loadGatewayConfig } from './gateway.env';
import { startGateway } from './gateway-server';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const gateway = await startGateway(config);
  // The same sequence as the subgraphs: unready while serving for the grace period, then a bounded close.
  shutdownOnSignals({
    health: gateway.health,
    logger: createLogger('gateway', config.LOG_LEVEL),
    graceMs: config.SHUTDOWN_GRACE_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: () => gateway.close(),
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
