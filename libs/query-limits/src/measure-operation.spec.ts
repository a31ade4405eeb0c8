import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { measureOperation, PLAIN_LIST_SIZE } from './measure-operation';

const schema = buildSchema(`
  type Query {
    contacts(first: Int = 20, after: String, last: Int, before: String): ContactConnection!
    accounts(first: Int): AccountConnection!
    contact(id: ID!): Contact
    tags: [Tag!]!
    _entities(representations: [String!]!): [Entity]!
  }
  union Entity = Contact
  type ContactConnection { edges: [ContactEdge!]! nodes: [Contact!]! totalCount: Int! }
  type ContactEdge { node: Contact! cursor: String! }
  type AccountConnection { nodes: [Account!]! }
  type Contact { id: ID! name: String! account: Account emails: [String!]! addresses: [Address!]! }
  type Account { id: ID! contacts(first: Int = 20): ContactConnection! }
  type Address { city: String! }
  type Tag { name: String! }
`);

function measured(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return measureOperation(schema, doc, op, variables);
}

describe('measureOperation', () => {
  it('counts depth through fields, inline fragments and named fragments', () => {
    expect(measured('{ contact(id: 1) { account { id } } }').depth).toBe(3);
    expect(
      measured('query { contact(id: 1) { ...F } } fragment F on Contact { account { ... on Account { contacts { totalCount } } } }').depth,
    ).toBe(4);
  });

  it('multiplies cost by page sizes, literal or variable', () => {
    // contacts(1) + 10 × (edges(1) + node(1) + id(1)) = 31
    expect(measured('{ contacts(first: 10) { edges { node { id } } } }').cost).toBe(31);
    expect(measured('query($n: Int) { contacts(first: $n) { edges { node { id } } } }', { n: 100 }).cost).toBe(301);
    expect(measured('query($n: Int = 50) { contacts(first: $n) { edges { node { id } } } }').cost).toBe(151);
  });

  it('counts a backward page by `last`, and the larger size when the schema default of `first` comes with it', () => {
    expect(measured('{ contacts(last: 100) { edges { node { id } } } }').cost).toBe(301);
    expect(measured('query($n: Int) { contacts(last: $n) { edges { node { id } } } }', { n: 5 }).cost).toBe(
      measured('{ contacts(first: 20) { edges { node { id } } } }').cost,
    );
  });

  it('counts a page without `first` at the default the schema declares', () => {
    expect(measured('{ contacts { edges { node { id } } } }').cost).toBe(
      measured('{ contacts(first: 20) { edges { node { id } } } }').cost,
    );
    const nested = measured(
      '{ contacts { edges { node { account { contacts { edges { node { account { contacts { totalCount } } } } } } } } } }',
    );
    // 20 × 20 × 20 contacts' totals: three nested default pages are 8,000 rows, not 3.
    expect(nested.cost).toBeGreaterThan(8_000);
    // An argument without a default counts at the default page size too.
    expect(measured('{ accounts { nodes { id } } }').cost).toBe(measured('{ accounts(first: 20) { nodes { id } } }').cost);
  });

  it('keeps a single object at 1 and counts a plain list at PLAIN_LIST_SIZE, but not the edges of a page twice', () => {
    expect(measured('{ contact(id: 1) { account { id } } }').cost).toBe(3);
    expect(measured('{ contact(id: 1) { addresses { city } } }').cost).toBe(2 + PLAIN_LIST_SIZE);
    expect(measured('{ tags { name } }').cost).toBe(1 + PLAIN_LIST_SIZE);
    // A list of scalars is one field.
    expect(measured('{ contact(id: 1) { emails } }').cost).toBe(2);
    expect(measured('{ contacts(first: 5) { nodes { id } } }').cost).toBe(1 + 5 * 2);
  });

  it('counts `_entities` by its representations, literal or variable', () => {
    const q = 'query($r: [String!]!) { _entities(representations: $r) { ... on Contact { name } } }';
    expect(measured(q, { r: Array(300).fill('x') }).cost).toBe(1 + 300);
    expect(measured('{ _entities(representations: ["a", "b"]) { ... on Contact { name } } }').cost).toBe(3);
  });

  it('counts aliases, through fragments as often as they are spread', () => {
    expect(measured('{ a: contact(id: 1) { id } b: contact(id: 2) { id } contact(id: 3) { id } }').aliases).toBe(2);
    expect(
      measured('{ contact(id: 1) { ...F x: account { ...F2 } } } fragment F on Contact { n: name } fragment F2 on Account { i: id }')
        .aliases,
    ).toBe(3);
    const five = measured('{ a: contacts { nodes { id } } b: contacts { nodes { id } } }');
    expect(five.aliases).toBe(2);
  });

  it('charges __typename and introspection, and survives fragment cycles', () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `t${i}: __typename`).join(' ');
    expect(measured(`{ ${aliases} }`)).toEqual({ depth: 1, cost: 1000, aliases: 1000 });
    const intro = measured('{ __schema { types { name fields { name type { ofType { name } } } } } }');
    expect(intro.cost).toBe(8);
    expect(intro.depth).toBe(0);
    expect(() => measured('{ contact(id: 1) { ...F } } fragment F on Contact { account { contacts { nodes { ...F } } } }')).not.toThrow();
  });
});
