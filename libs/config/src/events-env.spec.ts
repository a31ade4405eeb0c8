import { ConfigError, loadEnv } from './env';
import { eventsEnv } from './events-env';

describe('EVENT_RETRY_DELAYS_MS', () => {
  it('is unset by default: the consumers keep their hour-long budget', () => {
    expect(loadEnv(eventsEnv, {})).toEqual({ EVENT_RETRY_DELAYS_MS: null });
  });

  it('reads comma-separated delays in ms', () => {
    expect(loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: '100, 200,5000' })).toEqual({ EVENT_RETRY_DELAYS_MS: [100, 200, 5000] });
  });

  it.each(['1s', '100,,200', '-5', '1.5'])('refuses %j and names the variable', (raw) => {
    expect(() => loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: raw })).toThrow(ConfigError);
    expect(() => loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: raw })).toThrow(/EVENT_RETRY_DELAYS_MS/);
  });
});
