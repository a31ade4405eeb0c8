import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLEnumType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
} from 'graphql';

/** Draws one value from an arbitrary; what fc.gen() hands a generator. */
export type Draw = fc.GeneratorValue;

/** Ids that exist in the fuzzed tenant, so some generated operations get past "not found" and into the rules behind it. */
export interface ValuePools {
  ids: string[];
}

const uniform = () => fc.noBias(fc.integer({ min: 0, max: 9999 }));

/** A uniform roll in [0, 1): fast-check biases numbers toward their bounds, which would skew every probability here. */
export function roll(draw: Draw): number {
  return draw(uniform) / 10_000;
}

/** One of `items`, each equally likely (constantFrom favours the first). */
export function pick<T>(draw: Draw, items: readonly T[]): T {
  return items[Math.floor(roll(draw) * items.length)];
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Cursors a client could craft: the right shape with values of the wrong kind, and shapes that are not cursors at all. */
const CRAFTED_CURSORS = [
  'garbage',
  '',
  '=',
  b64(['not-a-date', 'not-a-uuid']),
  b64(['2026-02-30T00:00:00Z', '0190f0f0-0000-7000-8000-000000000000']),
  b64([null, null]),
  b64([]),
  b64({}),
  b64([1e308, -1]),
  b64(['x'.repeat(5000), 'y']),
  b64([['nested'], { a: 1 }]),
  b64('not json at all'),
  b64('[1,2'),
  b64([true, false, 0, '', '\u0000']),
  b64(['1970-01-01T00:00:00Z', '00000000-0000-0000-0000-000000000000', 'extra']),
  b64(["'; DROP TABLE contacts; --", '0190f0f0-0000-7000-8000-000000000000']),
];

const BAD_DATES_TIMES = [
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-06-01T00:00:60Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '2026-06-01T12:00:00+14:00',
  '2026-06-01',
  'yesterday',
  'now',
  '',
  '2026-06-01T12:00:00',
  '2026-06-01T12:00:00.123456789Z',
];

const BAD_DATES = [
  '2026-02-30',
  '2026-02-29',
  '2024-02-29',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '10000-01-01',
  '2026-1-1',
  '2026-06-01T00:00:00Z',
  'yesterday',
  '',
  '-2026-01-01',
];

const NUMERIC_TEXT = [
  '0',
  '-0',
  '-1',
  '1e400',
  '0.000000000000000000001',
  '99999999999999999999999999999.99',
  'NaN',
  'Infinity',
  '1,5',
  '12.345',
];

const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'Love\u0000lace',
  '\u0007bell',
  '\u007f',
  'tab\there',
  'line\nbreak',
  '\ud800',
  '😀'.repeat(50),
  '\u202eevil',
  "'; DROP TABLE contacts; --",
  '%_\\',
  '{{#x}}{{/x}}{{{y}}}',
  '<script>alert(1)</script>',
  '${process.env}',
  'a@b.test',
  'not-an-email',
  'EUR',
  'eur',
  'XXX',
  'https://example.test/x',
  'javascript:alert(1)',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

function uuidish(draw: Draw): string {
  return draw(() => fc.constantFrom(...UUIDISH));
}

const UUIDISH = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0190f0f0-0000-7000-8000-000000000000',
  '0190F0F0-0000-7000-8000-000000000000',
  '0190f0f0-0000-7000-8000-00000000000',
  ' 0190f0f0-0000-7000-8000-000000000000 ',
  '{0190f0f0-0000-7000-8000-000000000000}',
  '0190f0f000007000800000000000000',
  'not-a-uuid',
  '1',
  '-1',
  'c0',
];

/** A string for a String or ID: realistic, boundary, hostile or random. */
export function fuzzString(draw: Draw, pools: ValuePools, hint = ''): string {
  const idLike = /id$/i.test(hint) || hint === 'ID';
  const choice = Math.floor(roll(draw) * 100);
  if (idLike && choice < 45 && pools.ids.length > 0) return draw(() => fc.constantFrom(...pools.ids));
  if (idLike && choice < 60) return draw(fc.uuid);
  if (choice < 10) return uuidish(draw);
  if (choice < 20) return draw(() => fc.constantFrom(...NASTY_TEXT));
  if (choice < 26) return draw(() => fc.constantFrom(...CRAFTED_CURSORS));
  if (choice < 32) return draw(() => fc.constantFrom(...BAD_DATES_TIMES, ...BAD_DATES));
  if (choice < 38) return draw(() => fc.constantFrom(...NUMERIC_TEXT));
  if (choice < 41)
    return draw(() => fc.constantFrom('x', 'é', '\u0000', 'ab')).repeat(draw(() => fc.constantFrom(101, 256, 1001, 5001, 70_000)));
  if (choice < 48) return draw(fc.string, { unit: 'binary', maxLength: 40 });
  if (choice < 54 && pools.ids.length > 0) return draw(() => fc.constantFrom(...pools.ids));
  return draw(() => fc.constantFrom('Ada', 'Lovelace', 'Acme Ltd', 'Note text', 'Hello world', 'ada@example.test', 'A'));
}

function fuzzInt(draw: Draw): unknown {
  return draw(() =>
    fc.oneof(
      fc.constantFrom(0, 1, -1, 2, 10, 20, 100, 101, 1000, 5000, 2147483647, -2147483648, 2147483648, Number.MAX_SAFE_INTEGER + 2, 1.5, -0),
      fc.integer({ min: -5, max: 200 }),
      fc.integer(),
    ),
  );
}

function fuzzFloat(draw: Draw): unknown {
  return draw(() =>
    fc.oneof(
      fc.constantFrom(0, -1, 0.1, 1e308, -1e308, 5e-324, 1.7976931348623157e308, 100, 99.99, -0),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  );
}

function fuzzScalar(draw: Draw, name: string, pools: ValuePools, hint: string): unknown {
  switch (name) {
    case 'Int':
      return fuzzInt(draw);
    case 'Float':
      return fuzzFloat(draw);
    case 'Boolean':
      return draw(fc.boolean);
    case 'DateTime':
      return draw(fc.integer, { min: 0, max: 3 }) === 0
        ? new Date(Date.UTC(2026, draw(fc.integer, { min: 0, max: 11 }), draw(fc.integer, { min: 1, max: 28 }))).toISOString()
        : draw(() => fc.constantFrom(...BAD_DATES_TIMES));
    case 'Date':
      return draw(() => fc.constantFrom(...BAD_DATES, '2026-06-15', '2027-01-31'));
    case 'JSON':
      return draw(() =>
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom({}, [], null, 'x', deepJson(60), JSON.parse('{"__proto__":{"x":1}}'))),
      );
    default:
      // String, ID and any custom scalar carried as text.
      return fuzzString(draw, pools, name === 'ID' ? 'ID' : hint);
  }
}

function deepJson(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A value of the wrong kind for whatever type it lands in. */
function confused(draw: Draw): unknown {
  return draw(() => fc.constantFrom(42, 'text', true, { x: 1 }, [1, 2], -1.5, ''));
}

export interface ValueOptions {
  /** 0…1: how often a required input field or argument is left out. */
  dropRequired: number;
  /** 0…1: how often a value is of the wrong kind altogether. */
  confuse: number;
  /** 0…1: how often an input object gets a field its type does not define. */
  unknownField: number;
}

/**
 * A JSON value for `type`: mostly of the right shape with random and boundary
 * contents, sometimes wrong in kind, missing a required field or carrying an
 * unknown one. Enum values are strings (printInputLiteral prints them bare).
 */
export function fuzzValue(draw: Draw, type: GraphQLInputType, pools: ValuePools, opts: ValueOptions, hint = '', depth = 0): unknown {
  if (roll(draw) < opts.confuse) return confused(draw);
  if (isNonNullType(type)) {
    return Math.floor(roll(draw) * 100) < 2 ? null : fuzzValue(draw, type.ofType, pools, opts, hint, depth);
  }
  if (Math.floor(roll(draw) * 100) < 4) return null;
  if (isListType(type)) {
    const size = draw(() => fc.constantFrom(0, 1, 1, 2, 3, depth > 1 ? 2 : 150));
    const item = () => fuzzValue(draw, type.ofType, pools, opts, hint, depth + 1);
    if (size > 10) {
      const one = item();
      return Array.from({ length: size }, () => one);
    }
    return Array.from({ length: size }, item);
  }
  if (isEnumType(type)) return fuzzEnum(draw, type);
  if (isScalarType(type)) return fuzzScalar(draw, type.name, pools, hint);
  return fuzzInputObject(draw, type as GraphQLInputObjectType, pools, opts, depth);
}

function fuzzEnum(draw: Draw, type: GraphQLEnumType): string {
  const values = type.getValues().map((v) => v.name);
  const choice = Math.floor(roll(draw) * 10);
  if (choice < 7) return draw(() => fc.constantFrom(...values));
  return draw(() => fc.constantFrom(values[0].toLowerCase(), 'GARBAGE', '', '__proto__', `${values[0]} `));
}

function fuzzInputObject(draw: Draw, type: GraphQLInputObjectType, pools: ValuePools, opts: ValueOptions, depth: number): unknown {
  const out: Record<string, unknown> = {};
  for (const field of Object.values(type.getFields())) {
    const required = isNonNullType(field.type) && field.defaultValue === undefined;
    const r = roll(draw);
    if (required ? r < opts.dropRequired : r < (depth > 2 ? 0.8 : 0.45)) continue;
    out[field.name] = fuzzValue(draw, field.type, pools, opts, field.name, depth + 1);
  }
  if (roll(draw) < opts.unknownField) out[draw(() => fc.constantFrom('nickname', 'tenantId', '__typename', 'id'))] = 'x';
  return out;
}

/** Prints a JSON value as a GraphQL literal of `type` (enum values bare where they are names). */
export function printInputLiteral(value: unknown, type: GraphQLInputType | undefined): string {
  if (value === null || value === undefined) return 'null';
  const named = type ? getNamedType(type) : undefined;
  if (Array.isArray(value)) {
    const itemType = type && isNonNullType(type) ? type.ofType : type;
    const inner = itemType && isListType(itemType) ? itemType.ofType : undefined;
    return `[${value.map((v) => printInputLiteral(v, inner)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = named && isInputObjectType(named) ? named.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'badKey'}: ${printInputLiteral(v, fields[k]?.type)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  if (typeof value === 'string') {
    if (named && isEnumType(named) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) && !['true', 'false', 'null'].includes(value)) return value;
    return JSON.stringify(value);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '1e400';
  return String(value);
}
