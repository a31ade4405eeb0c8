/**
 * Typed, validated environment. A service declares the variables it reads as a
 * spec; `loadEnv` parses them all and fails fast with one error that names
 * every bad or missing variable, so a misconfigured pod dies at start-up with
 * a message an operator can act on.
 */
export interface EnvField<T> {
  /** Parses the raw string; throws an Error whose message says what is wrong. */
  parse(raw: string): T;
  /** Used when the variable is unset or empty; a field without one is required. */
  default?: T;
  description: string;
  /** The value is or holds a secret (a password in a URL, a key): problems name the variable but never echo its value. */
  secret?: boolean;
}

export type EnvSpec = Record<string, EnvField<unknown>>;
export type EnvOf<S extends EnvSpec> = { [K in keyof S]: S[K] extends EnvField<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadEnv<S extends EnvSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): EnvOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if ('default' in field) out[name] = field.default;
      else problems.push(`${name} is required (${field.description})`);
      continue;
    }
    try {
      out[name] = field.parse(raw);
    } catch (err) {
      const shown = field.secret ? name : `${name}=${JSON.stringify(raw)}`;
      problems.push(`${shown} is invalid: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as EnvOf<S>;
}

type Opts<T> = { default?: T; description: string };

function field<T>(parse: (raw: string) => T, opts: Opts<T>): EnvField<T> {
  return 'default' in opts
    ? { parse, default: opts.default as T, description: opts.description }
    : { parse, description: opts.description };
}

export const env = {
  string: (opts: Opts<string>) => field((raw) => raw, opts),
  int(opts: Opts<number> & { min?: number; max?: number }) {
    return field((raw) => {
      if (!/^-?\d+$/.test(raw)) throw new Error('expected an integer');
      const n = Number(raw);
      if (opts.min !== undefined && n < opts.min) throw new Error(`must be >= ${opts.min}`);
      if (opts.max !== undefined && n > opts.max) throw new Error(`must be <= ${opts.max}`);
      return n;
    }, opts);
  },
  bool: (opts: Opts<boolean>) =>
    field((raw) => {
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no)$/i.test(raw)) return false;
      throw new Error('expected true or false');
    }, opts),
  url(opts: Opts<string> & { protocols: string[] }) {
    return field((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error('not a URL');
      }
      if (!opts.protocols.includes(url.protocol.replace(/:$/, ''))) {
        throw new Error(`protocol must be one of ${opts.protocols.join(', ')}`);
      }
      return raw;
    }, opts);
  },
  oneOf<T extends string>(values: readonly T[], opts: Opts<T>) {
    return field((raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}`);
      return raw as T;
    }, opts);
  },
  identifier: (opts: Opts<string>) =>
    field((raw) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Error('expected a lower-case SQL identifier ([a-z_][a-z0-9_]*)');
      return raw;
    }, opts),
};
