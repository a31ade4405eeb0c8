/**
 * Turns the services' JSON log lines (pino: {"level":"info","msg":…,…}) into
 * one readable line each: level, message and a few fields. Anything that is
 * not such a line (a crash's stack on stderr, a server's own output) is shown
 * as it came, because hiding it would hide the reason something failed.
 */

export interface FormatOptions {
  color: boolean;
  /** How many extra fields to show after the message. */
  maxFields?: number;
  /** How many stack lines to show under an error. */
  maxStackLines?: number;
}

const ANSI = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  gray: '\x1b[90m',
};
export type Color = keyof typeof ANSI;

export function paint(text: string, color: Color, enabled: boolean): string {
  return enabled ? `${ANSI[color]}${text}${ANSI.reset}` : text;
}

/** pino's numeric levels, for loggers configured without the label formatter. */
const NUMERIC_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_COLORS: Record<string, Color> = { trace: 'gray', debug: 'gray', info: 'green', warn: 'yellow', error: 'red', fatal: 'red' };

/** Fields every line carries or that are rendered separately. */
const HIDDEN = new Set(['level', 'time', 'msg', 'message', 'service', 'pid', 'hostname', 'v', 'err', 'error', 'trace', 'context', 'stack']);

function levelName(level: unknown): string {
  if (typeof level === 'number') return NUMERIC_LEVELS[level] ?? String(level);
  return typeof level === 'string' ? level : 'log';
}

function renderValue(value: unknown, max = 80): string {
  const text = typeof value === 'string' && value !== '' && !/[\s"=]/.test(value) ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface ErrorLike {
  message?: unknown;
  stack?: unknown;
  type?: unknown;
}

function errorOf(record: Record<string, unknown>): ErrorLike | undefined {
  const e = record.err ?? record.error;
  if (e && typeof e === 'object') return e as ErrorLike;
  if (typeof e === 'string') return { message: e };
  return undefined;
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (value && typeof value === 'object' && !Array.isArray(value) && ('msg' in value || 'level' in value))
      return value as Record<string, unknown>;
  } catch {
    // Not JSON after all (e.g. a truncated line): shown raw.
  }
  return undefined;
}

/**
 * One service log line, formatted without the service prefix. May return
 * several lines (an error's stack goes underneath, indented).
 */
export function formatLogLine(line: string, options: FormatOptions): string {
  const record = parseRecord(line.trimEnd());
  if (!record) return line.trimEnd();
  const { color } = options;
  const level = levelName(record.level);
  const msg = record.msg ?? record.message;
  const err = errorOf(record);
  const hasMsg = typeof msg === 'string' && msg !== '';
  const text = hasMsg ? msg : err?.message !== undefined ? String(err.message) : '';

  const maxFields = options.maxFields ?? 5;
  const fields = Object.entries(record).filter(([key, value]) => !HIDDEN.has(key) && value !== undefined && value !== null);
  const shown = fields.slice(0, maxFields).map(([key, value]) => `${paint(`${key}=`, 'dim', color)}${renderValue(value)}`);
  // With a message of its own, the error's message is worth a field (it is the "why").
  if (hasMsg && err?.message !== undefined) shown.unshift(`${paint('err=', 'dim', color)}${renderValue(String(err.message), 200)}`);
  if (fields.length > maxFields) shown.push(paint(`+${fields.length - maxFields} more`, 'dim', color));

  let out = `${paint(level.padEnd(5), LEVEL_COLORS[level] ?? 'reset', color)} ${text}`;
  if (shown.length > 0) out += `  ${shown.join(' ')}`;
  if (typeof record.context === 'string' && record.context !== '') out += `  ${paint(`(${record.context})`, 'dim', color)}`;

  // A stack is what you need when something breaks; only for warnings and worse, to keep info quiet.
  const stack = typeof err?.stack === 'string' ? err.stack : typeof record.trace === 'string' ? record.trace : undefined;
  if (stack && ['warn', 'error', 'fatal'].includes(level)) {
    const lines = stack.split('\n').slice(1, 1 + (options.maxStackLines ?? 8));
    for (const l of lines) out += `\n    ${paint(l.trim(), 'dim', color)}`;
  }
  return out;
}

/** Per-service prefix colours, cycled in list order so each service keeps its colour. */
const PREFIX_COLORS: Color[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

export function prefixColor(index: number): Color {
  return PREFIX_COLORS[index % PREFIX_COLORS.length];
}

/** `[sales]   ` padded to the widest name, so messages line up. */
export function formatPrefix(name: string, width: number, color: Color, enabled: boolean): string {
  return paint(`[${name}]`.padEnd(width + 2), color, enabled);
}

/** Prefix every line of a (possibly multi-line) text. */
export function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .map((l) => `${prefix} ${l}`)
    .join('\n');
}

/**
 * nats-server and redis-server talk a lot at start; only their warnings and
 * errors are shown while running (everything is kept for a failure report).
 */
export function isNoteworthyServerLine(kind: 'nats' | 'redis' | 'postgres', line: string): boolean {
  switch (kind) {
    case 'nats':
      return /\[(WRN|ERR|FTL)\]/.test(line);
    case 'redis':
      // Redis marks warning level with '#' ("123:M 01 Jan 2025 10:00:00.000 # message") but also logs
      // its start-up banner at that level; only lines that read like a problem are shown.
      return /^\d+:[A-Z] .*? # .*\b(WARNING|error|fail(ed|ure)?|can't|cannot|unable|denied|refus)/i.test(line);
    case 'postgres':
      return /\b(WARNING|ERROR|FATAL|PANIC):/.test(line);
  }
}
