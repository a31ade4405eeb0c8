import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  isRequiredArgument,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { fuzzValue, pick, printInputLiteral, roll, type Draw, type ValueOptions, type ValuePools } from './input-values';

/** One HTTP request the fuzzer sends: a GraphQL operation, or a request broken at the transport level. */
export interface FuzzRequest {
  /** What kind of damage was done, for the report. */
  kind: string;
  method: 'GET' | 'POST';
  /** Exactly what goes in the body (POST) — JSON unless the kind is about a malformed body. */
  body?: string;
  /** For GET: the query string parameters. */
  params?: Record<string, string>;
  contentType?: string;
  /** The root fields the operation calls (for the report and for the rejected-write check). */
  rootFields: string[];
  operationType: 'query' | 'mutation' | 'other';
}

export interface OperationOptions {
  pools: ValuePools;
  values: ValueOptions;
  /** Share of requests damaged structurally (aliases, depth, unknown fields, broken syntax …) or at the transport. */
  structural: number;
  /** Only mutations (the rejected-write check). */
  mutationsOnly?: boolean;
  /** Root fields never to call (e.g. ones that sign out the fuzzing user). */
  skipRootFields?: string[];
  /** The subgraph's own `_entities` entry point, with these typenames for representations. */
  entityTypes?: string[];
  /** Filled in by the generator: the schema being walked. */
  schema?: GraphQLSchema;
}

interface Built {
  query: string;
  variables: Record<string, unknown>;
}

/** Arguments: some as variables, some inline, some left out (even required ones, sometimes). */
function buildArgs(draw: Draw, args: readonly GraphQLArgument[], vars: VariableSink, opts: OperationOptions): string {
  const parts: string[] = [];
  for (const arg of args) {
    const required = isRequiredArgument(arg);
    const r = roll(draw);
    if (required ? r < opts.values.dropRequired : r < 0.5) continue;
    const value = fuzzValue(draw, arg.type, opts.pools, opts.values, arg.name);
    if (draw(fc.boolean)) parts.push(`${arg.name}: ${vars.add(arg.type.toString(), value)}`);
    else parts.push(`${arg.name}: ${printInputLiteral(value, arg.type)}`);
  }
  if (Math.floor(roll(draw) * 100) < 2) parts.push('bogusArgument: 1');
  return parts.length ? `(${parts.join(', ')})` : '';
}

class VariableSink {
  readonly definitions: string[] = [];
  readonly values: Record<string, unknown> = {};
  add(type: string, value: unknown): string {
    const name = `v${this.definitions.length}`;
    this.definitions.push(`$${name}: ${type}`);
    this.values[name] = value;
    return `$${name}`;
  }
}

/** A selection for `type`: a few fields, nested objects down to `depthLeft`, fragments on abstract types. */
function buildSelection(draw: Draw, type: GraphQLNamedType, depthLeft: number, vars: VariableSink, opts: OperationOptions): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) {
    const schema = opts.schema as GraphQLSchema;
    const possible = schema.getPossibleTypes(type);
    const picked = possible.length ? [pick(draw, possible)] : [];
    const fragments = picked.map((t) => `... on ${t.name} ${buildSelection(draw, t, depthLeft, vars, opts) || '{ __typename }'}`);
    return `{ __typename ${fragments.join(' ')} }`;
  }
  if (!isObjectType(type)) return '{ __typename }';
  const fields = Object.values(type.getFields());
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some(isRequiredArgument));
  const nested = depthLeft > 0 ? fields.filter((f) => !isLeafType(getNamedType(f.type))) : [];
  const chosen: string[] = [];
  const leafCount = draw(fc.integer, { min: 1, max: 3 });
  for (let i = 0; i < leafCount && leaves.length; i++) chosen.push(pick(draw, leaves).name);
  const nestedCount = nested.length ? draw(fc.integer, { min: 0, max: 2 }) : 0;
  for (let i = 0; i < nestedCount; i++) {
    const f = pick(draw, nested);
    chosen.push(
      `${i > 0 ? `n${i}: ` : ''}${f.name}${buildArgs(draw, f.args, vars, opts)} ${buildSelection(draw, getNamedType(f.type), depthLeft - 1, vars, opts)}`,
    );
  }
  if (chosen.length === 0) chosen.push('__typename');
  return `{ ${[...new Set(chosen)].join(' ')} }`;
}

function rootField(draw: Draw, root: GraphQLObjectType, opts: OperationOptions): GraphQLField<unknown, unknown> {
  const skip = new Set(opts.skipRootFields ?? []);
  const fields = Object.values(root.getFields()).filter((f) => !skip.has(f.name));
  return pick(draw, fields);
}

function buildOperation(
  draw: Draw,
  schema: GraphQLSchema,
  opts: OperationOptions,
  depth: number,
): Built & { type: 'query' | 'mutation'; fields: string[] } {
  const mutation = schema.getMutationType();
  const useMutation = opts.mutationsOnly || (mutation !== null && mutation !== undefined && draw(fc.boolean));
  const root = (useMutation ? mutation : schema.getQueryType()) as GraphQLObjectType;
  const vars = new VariableSink();
  const withSchema = { ...opts, schema };
  const field = rootField(draw, root, withSchema);
  let args: string;
  if (field.name === '_entities' && opts.entityTypes?.length) {
    args = `(representations: ${vars.add('[_Any!]!', representations(draw, opts))})`;
  } else {
    args = buildArgs(draw, field.args, vars, withSchema);
  }
  const selection = buildSelection(draw, getNamedType(field.type), depth, vars, withSchema);
  const opName = draw(() => fc.constantFrom('', 'Fuzz'));
  const header = `${useMutation ? 'mutation' : 'query'} ${opName}${vars.definitions.length ? `(${vars.definitions.join(', ')})` : ''}`;
  const query = `${header} { ${field.name}${args} ${selection} }`;
  return { query, variables: vars.values, type: useMutation ? 'mutation' : 'query', fields: [field.name] };
}

function representations(draw: Draw, opts: OperationOptions): unknown {
  const count = draw(() => fc.constantFrom(0, 1, 2, 3, 50));
  return Array.from({ length: count }, () =>
    draw(() =>
      fc.oneof(
        fc.record({
          __typename: fc.constantFrom(...(opts.entityTypes as string[])),
          id: fc.constantFrom(...opts.pools.ids, 'not-a-uuid', ''),
        }),
        fc.record({ __typename: fc.constantFrom(...(opts.entityTypes as string[]), 'Nope', '') }),
        fc.record({ id: fc.uuid() }),
        fc.constantFrom(null, 'x', 1, [], { __typename: 'Contact', id: null }, { __typename: 'Contact', id: { a: 1 } }),
      ),
    ),
  );
}

/** Structural damage to a well-formed operation. */
function damage(draw: Draw, built: Built, schema: GraphQLSchema, opts: OperationOptions): Built & { kind: string } {
  const kind = pick(draw, [
    'many-aliases',
    'deep-nesting',
    'unknown-field',
    'truncated',
    'random-bytes',
    'wrong-variable-type',
    'undeclared-variable',
    'fragment-cycle',
    'directives',
    'introspection',
    'subscription',
    'two-operations',
    'variables-wrong-shape',
  ] as const);
  const q = built.query;
  switch (kind) {
    case 'many-aliases': {
      const n = draw(() => fc.constantFrom(2, 20, 99, 101, 300));
      const body = q.slice(q.indexOf('{') + 1, q.lastIndexOf('}'));
      const header = q.slice(0, q.indexOf('{'));
      return {
        kind,
        query: `${header}{ ${Array.from({ length: n }, (_, i) => `a${i}: ${body.trim()}`).join(' ')} }`,
        variables: built.variables,
      };
    }
    case 'deep-nesting': {
      const deeper = buildOperation(
        draw,
        schema,
        opts,
        draw(() => fc.constantFrom(6, 10, 16)),
      );
      return { kind, ...deeper };
    }
    case 'unknown-field':
      return {
        kind,
        query: q.replace(
          /\{ /,
          `{ ${draw(() => fc.constantFrom('bogusField', '__proto__', 'constructor', 'id', '__schema { types { name } }'))} `,
        ),
        variables: built.variables,
      };
    case 'truncated':
      return { kind, query: q.slice(0, draw(fc.integer, { min: 0, max: q.length })), variables: built.variables };
    case 'random-bytes': {
      const at = draw(fc.integer, { min: 0, max: q.length });
      return { kind, query: q.slice(0, at) + draw(fc.string, { unit: 'binary', maxLength: 8 }) + q.slice(at), variables: built.variables };
    }
    case 'wrong-variable-type':
      return {
        kind,
        query: q.replace(/\$v0: [^,)]+/, `$v0: ${draw(() => fc.constantFrom('Int', 'String!', '[ID]', 'Bogus', 'CreateContactInput'))}`),
        variables: built.variables,
      };
    case 'undeclared-variable':
      return { kind, query: q.replace(/\(\$v0: [^,)]+(, )?/, '(').replace('()', ''), variables: built.variables };
    case 'fragment-cycle':
      return { kind, query: `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, variables: {} };
    case 'directives':
      return {
        kind,
        query: q.replace(
          /\{ (\w+)/,
          `{ $1 ${draw(() => fc.constantFrom('@skip(if: "yes")', '@include(if: null)', '@bogus', '@defer', '@stream(initialCount: -1)', '@skip(if: true) @skip(if: false)', '@deprecated'))}`,
        ),
        variables: built.variables,
      };
    case 'introspection':
      return {
        kind,
        query: draw(() =>
          fc.constantFrom(
            '{ __schema { types { name fields { name args { name } } } } }',
            '{ __type(name: "Contact") { name fields { name } } }',
            '{ __type(name: "\\u0000") { name } }',
            '{ __typename }',
          ),
        ),
        variables: {},
      };
    case 'subscription':
      return { kind, query: 'subscription { contactCreated { id } }', variables: {} };
    case 'two-operations':
      return { kind, query: `${q} query Other { __typename }`, variables: built.variables };
    default:
      return { kind, query: q, variables: draw(() => fc.constantFrom<any>([], 'x', 1, null, { v0: { deep: deepObject(200) } })) };
  }
}

function deepObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { x: v };
  return v;
}

/** Damage at the HTTP level: malformed JSON, batches, GET mutations, wrong content types, oversized bodies. */
function transport(draw: Draw, built: Built & { type: 'query' | 'mutation'; fields: string[] }): FuzzRequest {
  const kind = pick(draw, [
    'malformed-json',
    'json-not-object',
    'batch',
    'get',
    'get-mutation',
    'text-plain',
    'oversized',
    'query-not-string',
    'persisted-query',
    'empty-body',
  ] as const);
  const base = { rootFields: built.fields, operationType: built.type } as const;
  const json = JSON.stringify({ query: built.query, variables: built.variables });
  switch (kind) {
    case 'malformed-json':
      return { ...base, kind, method: 'POST', body: json.slice(0, draw(fc.integer, { min: 0, max: Math.max(0, json.length - 1) })) };
    case 'json-not-object':
      return { ...base, kind, method: 'POST', body: draw(() => fc.constantFrom('null', '"query"', '42', 'true', '[]', '[null]', '{}')) };
    case 'batch': {
      const n = draw(() => fc.constantFrom(2, 3, 50));
      return {
        ...base,
        kind,
        method: 'POST',
        body: JSON.stringify(Array.from({ length: n }, () => ({ query: built.query, variables: built.variables }))),
      };
    }
    case 'get':
    case 'get-mutation':
      return {
        ...base,
        kind,
        method: 'GET',
        params: {
          query: kind === 'get-mutation' ? built.query.replace(/^query/, 'mutation') : built.query,
          variables: draw(fc.boolean) ? JSON.stringify(built.variables) : '{not json',
        },
      };
    case 'text-plain':
      return { ...base, kind, method: 'POST', body: json, contentType: 'text/plain' };
    case 'oversized':
      return { ...base, kind, method: 'POST', body: JSON.stringify({ query: built.query, variables: { pad: 'x'.repeat(1_100_000) } }) };
    case 'query-not-string':
      return {
        ...base,
        kind,
        method: 'POST',
        body: JSON.stringify({
          query: draw(() => fc.constantFrom<any>(1, null, ['{ __typename }'], { a: 1 })),
          variables: built.variables,
        }),
      };
    case 'persisted-query':
      return {
        ...base,
        kind,
        method: 'POST',
        body: JSON.stringify({
          extensions: {
            persistedQuery: {
              version: draw(() => fc.constantFrom(1, 2, 'x')),
              sha256Hash: draw(() => fc.constantFrom('abc', '', 'f'.repeat(64))),
            },
          },
        }),
      };
    default:
      return { ...base, kind, method: 'POST', body: '' };
  }
}

/**
 * Requests generated from `schema`: well-formed operations on every root
 * field with random and boundary arguments, and a share of them damaged in
 * structure or transport.
 */
export function fuzzRequests(schema: GraphQLSchema, opts: OperationOptions): fc.Arbitrary<FuzzRequest> {
  return fc.gen().map((draw) => {
    const built = buildOperation(draw, schema, opts, draw(fc.integer, { min: 1, max: 3 }));
    const r = roll(draw);
    if (opts.mutationsOnly || r >= opts.structural) {
      return {
        kind: 'operation',
        method: 'POST',
        body: JSON.stringify({ query: built.query, variables: built.variables }),
        rootFields: built.fields,
        operationType: built.type,
      };
    }
    if (r < opts.structural / 3) return transport(draw, built);
    const damaged = damage(draw, built, schema, opts);
    return {
      kind: damaged.kind,
      method: 'POST',
      body: JSON.stringify({ query: damaged.query, variables: damaged.variables }),
      rootFields: built.fields,
      operationType: 'other',
    };
  });
}
