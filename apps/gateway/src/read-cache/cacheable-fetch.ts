import { parse, type DocumentNode } from 'graphql';

/**
 * The reads the cache keeps: the customer's face — a contact or an account
 * by id, and the fields other subgraphs add to them (`_entities` of Contact
 * and Account). Everything else is read fresh: admin lists, audit-chain
 * verification, segment counts and the like are rarely asked twice in a
 * row, and some change without an event (a job's sweep, a row changed
 * outside the services), which the cache would serve for up to its TTL.
 */
const ROOT_FIELDS = new Set(['contact', 'account', '_entities']);
const ENTITY_TYPES = new Set(['Contact', 'Account']);

/** Verdicts by operation text: a query plan's fetches are few distinct texts (plans are cached), each parsed once. */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 10_000;

/** Whether a fetch of this operation (a query plan's fetch: its text and variables) may be answered from the cache. */
export function cacheableFetch(query: string | undefined, variables: Record<string, unknown> | undefined): boolean {
  if (!query) return false;
  let verdict = verdicts.get(query);
  if (verdict === undefined) {
    verdict = rootFieldsOf(parse(query)).every((name) => ROOT_FIELDS.has(name));
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(query, verdict);
  }
  if (!verdict) return false;
  const representations = variables?.representations;
  if (representations === undefined) return true;
  return Array.isArray(representations) && representations.every((r) => ENTITY_TYPES.has((r as { __typename?: string })?.__typename ?? ''));
}

function rootFieldsOf(document: DocumentNode): string[] {
  const names: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') return ['(fragment)'];
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== 'Field') return ['(fragment)'];
      if (selection.name.value !== '__typename') names.push(selection.name.value);
    }
  }
  return names.length > 0 ? names : ['(none)'];
}
