import { ConfigError, loadEnv } from './env';
import { eventsEnv } from './events-env';

describe('EVENT_RETRY_DELAYS_MS', () => {
  it('is unset by default: the consumers keep their hour-long budget', () => {
    expect(loadEnv(eventsEnv, {})).toEqual({ EVENT_RETRY_DELAYS_MS: null, EVENT_ACK_WAIT_MS: 30_000 });
  });

  it('reads comma-separated delays in ms', () => {
    expect(loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: '100, 200,5000' })).toMatchObject({ EVENT_RETRY_DELAYS_MS: [100, 200, 5000] });
  });

  it.each(['1s', '100,,200', '-5', '1.5'])('refuses %j and names the variable', (raw) => {
    expect(() => loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: raw })).toThrow(ConfigError);
    expect(() => loadEnv(eventsEnv, { EVENT_RETRY_DELAYS_MS: raw })).toThrow(/EVENT_RETRY_DELAYS_MS/);
  });
});

describe('EVENT_ACK_WAIT_MS', () => {
  it('is 30 s unless set, and reads ms', () => {
    expect(loadEnv(eventsEnv, {}).EVENT_ACK_WAIT_MS).toBe(30_000);
    expect(loadEnv(eventsEnv, { EVENT_ACK_WAIT_MS: '5000' }).EVENT_ACK_WAIT_MS).toBe(5000);
  });

  it.each(['5s', '0', '999'])('refuses %j and names the variable', (raw) => {
    expect(() => loadEnv(eventsEnv, { EVENT_ACK_WAIT_MS: raw })).toThrow(/EVENT_ACK_WAIT_MS/);
  });
});
