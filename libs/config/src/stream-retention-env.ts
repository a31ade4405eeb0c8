import type { EnvField } from './env';

/** How long a stream keeps a message when nobody says otherwise: long enough for a year's reports, short of for ever. */
export const DEFAULT_STREAM_MAX_AGE_MS = 400 * 24 * 60 * 60_000;

/** Retention of the streams a service produces: a default and per-stream exceptions, in ms; 0 keeps for ever. */
export interface StreamRetentionSetting {
  defaultMs: number;
  byStream: Readonly<Record<string, number>>;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `400d`, `12h`, `30m`, `45s`, or `0` (for ever, only when written out). */
export function parseDurationMs(raw: string): number {
  const text = raw.trim();
  if (text === '0') return 0;
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration such as 400d, 12h, 30m, 45s or 0 (for ever)`);
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms === 0) throw new Error(`"${text}" is no retention; write 0 to keep messages for ever`);
  return ms;
}

/**
 * `400d` or `400d,COMMERCE=90d,PLATFORM=30d`: the default for every stream
 * the service produces, then exceptions by stream name (the name without a
 * test suffix, as in libs/contracts' STREAMS).
 */
export function parseStreamRetention(raw: string): StreamRetentionSetting {
  let defaultMs = DEFAULT_STREAM_MAX_AGE_MS;
  const byStream: Record<string, number> = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      defaultMs = parseDurationMs(part);
      continue;
    }
    const stream = part.slice(0, eq).trim();
    if (!/^[A-Z][A-Z0-9_]*$/.test(stream)) throw new Error(`"${stream}" is not a stream name (upper case, e.g. SALES)`);
    byStream[stream] = parseDurationMs(part.slice(eq + 1));
  }
  return { defaultMs, byStream };
}

/** The retention of one stream under the setting, in ms (0: for ever). */
export function streamMaxAgeMs(setting: StreamRetentionSetting, stream: string): number {
  return setting.byStream[stream] ?? setting.defaultMs;
}

/**
 * How long the streams a service produces keep their messages
 * (docs/adr/053-stream-retention-and-resync.md). The producing service
 * applies it to its streams at every start, so changing it takes effect
 * with the next restart; messages within the new window stay.
 */
const NATS_STREAM_MAX_AGE: EnvField<StreamRetentionSetting> = {
  description:
    'how long the streams this service produces keep messages: a duration (400d, 12h, 30m, 45s; 0 keeps for ever), then optional STREAM=duration exceptions, comma-separated (default 400d)',
  default: { defaultMs: DEFAULT_STREAM_MAX_AGE_MS, byStream: {} },
  parse: parseStreamRetention,
};

export const streamRetentionEnv = { NATS_STREAM_MAX_AGE };
