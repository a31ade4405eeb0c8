// Narrowing helpers for parsed YAML (which is `unknown` until checked).

export type Obj = Record<string, unknown>;

export function asRecord(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `at(obj, 'spec', 'template', 'spec')`: the value at that path, or undefined. */
export function at(value: unknown, ...keys: Array<string | number>): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (typeof key === 'number') current = asArray(current)[key];
    else current = asRecord(current)?.[key];
    if (current === undefined) return undefined;
  }
  return current;
}

/** String-valued map (labels, matchLabels); non-string values are dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(asRecord(value) ?? {})) if (typeof v === 'string') out[key] = v;
  return out;
}
