import { nanos } from 'nats';
import { connectNats, DUPLICATE_WINDOW_MS, streamLimits, withoutCredentials } from './jetstream';

describe('connecting to NATS', () => {
  it('names the address it tried, without credentials', async () => {
    await expect(connectNats('nats://app:s3cret@127.0.0.1:1', 'test')).rejects.toThrow('cannot connect to NATS at nats://***@127.0.0.1:1');
  });

  it('keeps passwords out of logged URLs', () => {
    expect(withoutCredentials('nats://user:pass@nats.infra:4222')).toBe('nats://***@nats.infra:4222');
    expect(withoutCredentials('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});

describe('stream limits', () => {
  it('keeps for ever only at 0, with the usual duplicate window', () => {
    expect(streamLimits(0)).toEqual({ max_age: 0, duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
  });

  it('sets max_age in nanoseconds', () => {
    expect(streamLimits(400 * 86_400_000)).toEqual({ max_age: nanos(400 * 86_400_000), duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
  });

  it('shortens the duplicate window to a shorter retention (JetStream refuses a longer one)', () => {
    expect(streamLimits(5_000)).toEqual({ max_age: nanos(5_000), duplicate_window: nanos(5_000) });
  });
});
