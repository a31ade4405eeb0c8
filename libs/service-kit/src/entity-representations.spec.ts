import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type OperationDefinitionNode } from 'graphql';
import { checkEntityRepresentations } from './entity-representations';

const schema = buildSubgraphSchema(
  parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Contact @key(fields: "id") { id: ID! }
    type Note { text: String }
    type Query { note: Note }
  `),
);

function check(query: string, variables: Record<string, unknown> = {}): void {
  const document = parse(query);
  checkEntityRepresentations(schema, document, document.definitions[0] as OperationDefinitionNode, variables);
}

const entities = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id } } }';

describe('checkEntityRepresentations', () => {
  it('lets representations of this subgraph’s entity types through', () => {
    expect(() => check(entities, { r: [{ __typename: 'Contact', id: 'x' }] })).not.toThrow();
  });

  it.each([
    ['a type another subgraph owns', { __typename: 'Case', id: 'x' }],
    ['a type that is not an entity', { __typename: 'Note' }],
    ['no __typename', { id: 'x' }],
    ['not an object', 'Contact'],
    ['null', null],
  ])('refuses %s as BAD_USER_INPUT naming the entry, with HTTP 400', (_name, bad) => {
    let thrown: unknown;
    try {
      check(entities, { r: [{ __typename: 'Contact', id: 'x' }, bad] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'representations[1].__typename',
      http: { status: 400 },
    });
  });

  it.each([
    ['an object', { a: 1 }],
    ['a list', ['x']],
    ['null', null],
    ['missing', undefined],
  ])('refuses a key that is %s as BAD_USER_INPUT naming the key', (_name, id) => {
    expect(() => check(entities, { r: [{ __typename: 'Contact', id }] })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'representations[0].id' }) }),
    );
  });

  it('checks one representation given where the list belongs, as execution coerces it into a list of one', () => {
    expect(() => check(entities, { r: { __typename: 'Contact', id: 'x' } })).not.toThrow();
    expect(() => check(entities, { r: { deep: { x: {} } } })).toThrow(/representations\[0\]\.__typename/);
  });

  it('checks inline representations and ones reached through fragments', () => {
    expect(() => check('{ _entities(representations: [{ __typename: "Nope" }]) { __typename } }')).toThrow(/representations\[0\]/);
    expect(() => check('query { ...F } fragment F on Query { _entities(representations: [{ id: 1 }]) { __typename } }')).toThrow(
      /representations\[0\]/,
    );
  });

  it('leaves a missing variable to execution, which reports it as the caller’s error', () => {
    expect(() => check(entities, {})).not.toThrow();
  });
});
