import { ConfigError, loadEnv } from './env';
import { DEFAULT_STREAM_MAX_AGE_MS, parseDurationMs, streamMaxAgeMs, streamRetentionEnv } from './stream-retention-env';

describe('NATS_STREAM_MAX_AGE', () => {
  it('defaults to 400 days for every stream: unset never means for ever', () => {
    const { NATS_STREAM_MAX_AGE } = loadEnv(streamRetentionEnv, {});
    expect(NATS_STREAM_MAX_AGE.defaultMs).toBe(DEFAULT_STREAM_MAX_AGE_MS);
    expect(DEFAULT_STREAM_MAX_AGE_MS).toBe(400 * 86_400_000);
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'SALES')).toBe(DEFAULT_STREAM_MAX_AGE_MS);
  });

  it('reads a default and exceptions per stream', () => {
    const { NATS_STREAM_MAX_AGE } = loadEnv(streamRetentionEnv, { NATS_STREAM_MAX_AGE: '90d, COMMERCE=12h,PLATFORM=0' });
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'SALES')).toBe(90 * 86_400_000);
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'COMMERCE')).toBe(12 * 3_600_000);
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'PLATFORM')).toBe(0);
  });

  it('keeps the 400-day default when only exceptions are given', () => {
    const { NATS_STREAM_MAX_AGE } = loadEnv(streamRetentionEnv, { NATS_STREAM_MAX_AGE: 'SALES=30s' });
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'SALES')).toBe(30_000);
    expect(streamMaxAgeMs(NATS_STREAM_MAX_AGE, 'SERVICE')).toBe(DEFAULT_STREAM_MAX_AGE_MS);
  });

  it('takes every unit, and 0 only written out as for ever', () => {
    expect(parseDurationMs('45s')).toBe(45_000);
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('0')).toBe(0);
    expect(() => parseDurationMs('0d')).toThrow(/write 0/);
  });

  it.each(['400', '1y', '-5d', 'sales=1d', 'SALES=', '1.5d'])('refuses %s naming the variable', (raw) => {
    expect(() => loadEnv(streamRetentionEnv, { NATS_STREAM_MAX_AGE: raw })).toThrow(ConfigError);
    expect(() => loadEnv(streamRetentionEnv, { NATS_STREAM_MAX_AGE: raw })).toThrow(/NATS_STREAM_MAX_AGE/);
  });
});
