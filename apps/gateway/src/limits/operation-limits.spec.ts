import { parse, type OperationDefinitionNode } from 'graphql';
import { measureOperation } from './operation-limits';

function measured(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  return measureOperation(doc, doc.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode, variables);
}

describe('measureOperation', () => {
  it('counts depth through fields, inline fragments and named fragments', () => {
    expect(measured('{ a { b { c } } }').depth).toBe(3);
    expect(measured('query { a { ...F } } fragment F on T { b { ... on U { c { d } } } }').depth).toBe(4);
  });

  it('multiplies cost by page sizes, literal or variable', () => {
    // contacts(1) + 10 × (edges(1) + node(1) + id(1)) = 31
    expect(measured('{ contacts(first: 10) { edges { node { id } } } }').cost).toBe(31);
    expect(measured('query($n: Int) { contacts(first: $n) { edges { node { id } } } }', { n: 100 }).cost).toBe(301);
    const nested = measured('{ contacts(first: 100) { edges { node { account { contacts(first: 100) { edges { node { id } } } } } } } }');
    expect(nested.cost).toBeGreaterThan(10_000);
  });

  it('ignores introspection and survives fragment cycles', () => {
    expect(measured('{ __schema { types { name fields { name type { ofType { ofType { name } } } } } } }')).toEqual({ depth: 0, cost: 0 });
    expect(() => measured('{ a { ...F } } fragment F on T { b { ...F } }')).not.toThrow();
  });
});
