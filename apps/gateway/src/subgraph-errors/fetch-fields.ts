import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export type ErrorPath = (string | number)[];

/**
 * The paths, relative to one subgraph fetch, of every field that fetch was
 * meant to fill: `[key]` for each top-level field of a root fetch, and
 * `['_entities', i, key]` for each field asked of entity i of an entity
 * fetch. Errors at these paths are re-pathed by @apollo/gateway to where the
 * fields sit in the client's response (the i-th entity's hydrated path), so a
 * failed fetch costs exactly its fields. Keys are response keys (aliases).
 */
export function fetchErrorPaths(document: DocumentNode, representations?: unknown): ErrorPath[] {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [];
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  if (!Array.isArray(representations)) return responseKeys(operation.selectionSet, fragments).map((key) => [key]);

  const entities = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities');
  const selectionSet = entities?.selectionSet;
  if (!selectionSet) return [];
  const entityKey = entities.alias?.value ?? '_entities';
  return representations.flatMap((representation, i) => {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    // A type condition naming an interface matches no concrete typename: then every field asked is at stake.
    const keys = responseKeys(selectionSet, fragments, typeof typename === 'string' ? typename : undefined);
    return (keys.length > 0 ? keys : responseKeys(selectionSet, fragments)).map((key) => [entityKey, i, key]);
  });
}

/** Response keys of the fields in a selection set, through fragments that apply to `typename` (all when undefined). */
function responseKeys(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, typename?: string): string[] {
  const keys = new Set<string>();
  const applies = (condition: string | undefined) => typename === undefined || condition === undefined || condition === typename;
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        // __typename and other meta fields are the planner's bookkeeping, never lost data.
        if (!selection.name.value.startsWith('__')) keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value)) visit(selection.selectionSet, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value) && applies(fragment.typeCondition.name.value))
          visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  };
  visit(selectionSet, new Set());
  return [...keys];
}
