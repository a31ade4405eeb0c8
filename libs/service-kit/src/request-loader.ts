import DataLoader from 'dataloader';

/**
 * Per-request batching for field resolvers: `account` on 100 contacts
 * becomes one query for the distinct account ids, not 100. Loaders live on
 * the GraphQL context, so nothing is cached across requests or callers.
 */
export function requestLoader<V>(
  context: { loaders?: Map<string, DataLoader<string, any>> },
  name: string,
  batch: (ids: readonly string[]) => Promise<Map<string, V>>,
): DataLoader<string, V | null> {
  context.loaders ??= new Map();
  let loader = context.loaders.get(name) as DataLoader<string, V | null> | undefined;
  if (!loader) {
    loader = new DataLoader<string, V | null>(async (ids) => {
      const found = await batch(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    context.loaders.set(name, loader);
  }
  return loader;
}

/**
 * Groups child rows under their parents' ids for a batched field resolver:
 * every requested id gets an entry (empty when it has no rows), rows keep
 * their query order.
 */
export function groupBy<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) out.get(keyOf(r))?.push(r);
  return out;
}
