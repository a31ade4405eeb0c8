import { loadGatewayConfig } from './gateway.env';
import { startGateway } from './gateway-server';

async function main(): Promise<void> {
  const gateway = await startGateway(loadGatewayConfig());
  const stop = (signal: string) => {
    console.info(JSON.stringify({ level: 'info', service: 'gateway', msg: `received ${signal}, draining` }));
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
