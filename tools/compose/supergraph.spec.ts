import { Kind, parse, print, visit } from 'graphql';
import { breakingChanges, committedSupergraph, composeSupergraph, undocumented } from './supergraph';

/** The supergraph with one field of one type removed, as a careless schema edit would. */
function withoutField(sdl: string, type: string, field: string): string {
  return print(
    visit(parse(sdl), {
      [Kind.OBJECT_TYPE_DEFINITION]: (node) =>
        node.name.value === type ? { ...node, fields: node.fields?.filter((f) => f.name.value !== field) } : undefined,
    }),
  );
}

describe('supergraph', () => {
  it('composes from the subgraph SDL files', () => {
    expect(() => composeSupergraph()).not.toThrow();
  });

  it('is committed exactly as composed (run `npm run compose` after changing a subgraph schema)', () => {
    expect(committedSupergraph()).toEqual(composeSupergraph());
  });

  it('documents every type, field, input field, root-field argument and enum value (the schema is the documentation)', () => {
    expect(undocumented(composeSupergraph())).toEqual([]);
  });

  it('notices an undocumented field', () => {
    const sdl = 'type Query {\n  "The answer."\n  answer: Int\n  question(text: String): String\n}';
    expect(undocumented(sdl)).toEqual(['Query', 'Query.question', 'Query.question(text)']);
  });

  it('detects a breaking change', () => {
    const current = composeSupergraph();
    const withoutEmails = withoutField(current, 'Contact', 'emails');
    expect(breakingChanges(current, withoutEmails).map((c) => c.description)).toContain('Contact.emails was removed.');
  });
});
