import { ConfigError, loadEnv } from './env';
import { GATEWAY_SECRET, requireGatewaySecretInProduction } from './gateway-trust-env';

describe('GATEWAY_SECRET', () => {
  it('is required in production only: without it every caller behind the gateway would share its address', () => {
    expect(() => requireGatewaySecretInProduction({ NODE_ENV: 'production', GATEWAY_SECRET: '' })).toThrow(ConfigError);
    expect(() => requireGatewaySecretInProduction({ NODE_ENV: 'development', GATEWAY_SECRET: '' })).not.toThrow();
    expect(() => requireGatewaySecretInProduction({ NODE_ENV: 'production', GATEWAY_SECRET: 'x'.repeat(32) })).not.toThrow();
  });

  it('refuses a short secret without echoing it', () => {
    expect(() => loadEnv({ GATEWAY_SECRET }, { GATEWAY_SECRET: 'hunter2' })).toThrow(
      /^Invalid configuration:\n {2}- GATEWAY_SECRET is invalid: must be at least 32/,
    );
    expect(() => loadEnv({ GATEWAY_SECRET }, { GATEWAY_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });
});
