import {
  Kind,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Page size assumed for a list field called without `first`. */
const DEFAULT_PAGE = 20;

export interface OperationMeasure {
  depth: number;
  cost: number;
}

/**
 * Measures an operation before it is planned: depth is the deepest field
 * nesting; cost counts every field once, multiplied by the page sizes
 * (`first`, from literals or variables) of the lists it sits under. So
 * `contacts(first: 100) { edges { node { account { contacts(first: 100) { … } } } } }`
 * costs ~10,000 and can be refused before it fans out into subgraphs.
 * Introspection fields (`__schema`, `__type`, …) are free.
 */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return measure(operation.selectionSet, fragments, new Set(), variables);
}

function measure(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  variables: Record<string, unknown>,
): OperationMeasure {
  let depth = 0;
  let cost = 0;
  const add = (m: OperationMeasure, extraDepth: number, multiplier: number, own: number) => {
    depth = Math.max(depth, m.depth + extraDepth);
    cost += own + multiplier * m.cost;
  };
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      const inner = sel.selectionSet ? measure(sel.selectionSet, fragments, visiting, variables) : { depth: 0, cost: 0 };
      add(inner, 1, pageSize(sel.arguments ?? [], variables), 1);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      add(measure(sel.selectionSet, fragments, visiting, variables), 0, 1, 0);
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue; // unknown or cyclic: graphql validation reports it
      visiting.add(name);
      add(measure(fragment.selectionSet, fragments, visiting, variables), 0, 1, 0);
      visiting.delete(name);
    }
  }
  return { depth, cost };
}

function pageSize(args: readonly ArgumentNode[], variables: Record<string, unknown>): number {
  const first = args.find((a) => a.name.value === 'first');
  if (!first) return 1;
  const v = first.value;
  const n =
    v.kind === Kind.INT ? Number(v.value) : v.kind === Kind.VARIABLE ? Number(variables[v.name.value] ?? DEFAULT_PAGE) : DEFAULT_PAGE;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_PAGE;
}
