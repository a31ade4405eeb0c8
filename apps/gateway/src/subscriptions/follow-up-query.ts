import {
  Kind,
  parse,
  print,
  visit,
  type ASTNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { QueryStep, ResolvedFilter } from './subscription-fields';

/** A query the gateway runs for a subscriber, and how to read its answer back into the subscription's shape. */
export interface FollowUp {
  query: string;
  variables: Record<string, unknown>;
  /** The query's fields down to the object the subscription returns. */
  steps: readonly QueryStep[];
}

/** Aliases of the fields added to decide a filter the event alone could not; never shown to the subscriber. */
export const FILTER_QUEUE = 'rapportFilterQueue';
export const FILTER_CONTACT = 'rapportFilterContact';
const FILTER_FIELDS = (
  parse(`{ ${FILTER_QUEUE}: queue { id } ${FILTER_CONTACT}: contact { id } }`).definitions[0] as OperationDefinitionNode
).selectionSet.selections;

/**
 * The subscriber's own selection set, under the query fields that answer the
 * event (e.g. `contact(id)` for contactChanged), with the fragments and
 * variables it uses: run through the gateway as the subscriber, it gets
 * exactly the access checks, federation and degradation of a query.
 */
export function followUpQuery(
  operation: OperationDefinitionNode,
  field: FieldNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variableValues: Readonly<Record<string, unknown>>,
  steps: readonly QueryStep[],
  filter: ResolvedFilter | null = null,
): FollowUp {
  const selections: SelectionNode[] = [...(field.selectionSet?.selections ?? [])];
  if (filter) selections.push(...FILTER_FIELDS);
  // Only what the selection uses: the subscription field's own arguments are answered by the steps instead.
  const selection = field.selectionSet ?? { kind: Kind.SELECTION_SET, selections: [] };
  const usedFragments = fragmentsUsedBy(selection, fragments);
  const used = variablesUsedBy([selection, ...usedFragments]);
  const variableDefinitions: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((d) =>
    used.has(d.variable.name.value),
  );
  const variables: Record<string, unknown> = {};
  for (const d of variableDefinitions)
    if (d.variable.name.value in variableValues) variables[d.variable.name.value] = variableValues[d.variable.name.value];

  let selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections };
  steps.forEach((step, depth) => {
    for (const [name, arg] of Object.entries(step.args ?? {})) {
      variables[stepVariable(depth, name)] = arg.value;
      variableDefinitions.push(variableDefinition(stepVariable(depth, name), arg.type));
    }
  });
  for (let depth = steps.length - 1; depth >= 0; depth--) {
    const step = steps[depth];
    const node: FieldNode = {
      kind: Kind.FIELD,
      name: { kind: Kind.NAME, value: step.field },
      arguments: Object.keys(step.args ?? {}).map((name) => ({
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: name },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: stepVariable(depth, name) } },
      })),
      selectionSet,
    };
    selectionSet = { kind: Kind.SELECTION_SET, selections: [node] };
  }
  const query = print({
    kind: Kind.DOCUMENT,
    definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: 'query' as never, variableDefinitions, selectionSet }, ...usedFragments],
  });
  return { query, variables, steps };
}

/** A name of our own for a step's argument: the subscriber's variables keep theirs. */
function stepVariable(depth: number, name: string): string {
  return `rapportStep${depth}_${name}`;
}

function variableDefinition(name: string, type: string): VariableDefinitionNode {
  const operation = parse(`query ($${name}: ${type}) { __typename }`).definitions[0] as OperationDefinitionNode;
  return (operation.variableDefinitions ?? [])[0];
}

/** The fragments a selection spreads, directly or through other fragments. */
function fragmentsUsedBy(
  selection: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: ASTNode[] = [selection];
  for (let next = pending.pop(); next; next = pending.pop()) {
    visit(next, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments[name];
        if (fragment && !found.has(name)) {
          found.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}

function variablesUsedBy(nodes: readonly ASTNode[]): Set<string> {
  const used = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (v) => void used.add(v.name.value) });
  return used;
}

export interface QueryAnswer {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface SubscriptionAnswer {
  /** The object the subscription returns (null when the query found none). */
  value: Record<string, unknown> | null;
  /** The query's errors, re-pathed under the subscription's response key. */
  errors: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** What the hidden filter fields showed (only when asked for). */
  filterQueueId?: string | null;
  filterContactId?: string | null;
}

/**
 * Reads the query's answer back into the subscription's shape: the object at
 * the end of the steps, errors moved from the query's path (`contact.value.clv`)
 * to the subscription's (`customerValueChanged.clv`), and the hidden filter
 * fields taken out with their errors.
 */
export function answerOf(followUp: FollowUp, responseKey: string, answer: QueryAnswer): SubscriptionAnswer {
  const names = followUp.steps.map((s) => s.field);
  let value: unknown = answer.data ?? null;
  for (const name of names) value = value && typeof value === 'object' ? ((value as Record<string, unknown>)[name] ?? null) : null;
  const result: SubscriptionAnswer = { value: null, errors: [] };
  if (value && typeof value === 'object') {
    const { [FILTER_QUEUE]: queue, [FILTER_CONTACT]: contact, ...rest } = value as Record<string, any>;
    if (FILTER_QUEUE in value) result.filterQueueId = queue?.id ?? null;
    if (FILTER_CONTACT in value) result.filterContactId = contact?.id ?? null;
    result.value = rest;
  }
  for (const error of answer.errors ?? []) {
    const path = error.path ? repath(error.path, names, responseKey) : undefined;
    if (path && (path[1] === FILTER_QUEUE || path[1] === FILTER_CONTACT)) continue;
    result.errors.push({
      message: error.message,
      ...(path ? { path } : {}),
      ...(error.extensions ? { extensions: error.extensions } : {}),
    });
  }
  return result;
}

/** `['contact', 'value', 'clv']` under steps contact.value → `['customerValueChanged', 'clv']`. */
export function repath(path: readonly (string | number)[], steps: readonly string[], responseKey: string): (string | number)[] {
  let matched = 0;
  while (matched < steps.length && matched < path.length && path[matched] === steps[matched]) matched++;
  return [responseKey, ...path.slice(matched)];
}
