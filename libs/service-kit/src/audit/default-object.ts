const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The object a mutation changed, when its domain code did not say: the one
 * object with an id in its payload (`{ contact: { id } }` → Contact), else
 * the id among its arguments (`input.id`, `id`, `<thing>Id`). Null when it
 * cannot tell; the entry then names only the action.
 */
export function defaultAuditObject(result: unknown, args: Record<string, unknown>): { objectType: string | null; objectId: string | null } {
  if (result && typeof result === 'object') {
    const objects = Object.entries(result as Record<string, unknown>).filter(
      ([, v]) => v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string',
    );
    if (objects.length === 1) {
      const [key, value] = objects[0];
      return { objectType: key.charAt(0).toUpperCase() + key.slice(1), objectId: (value as { id: string }).id };
    }
    if (typeof (result as { id?: unknown }).id === 'string' && UUID.test((result as { id: string }).id)) {
      return { objectType: null, objectId: (result as { id: string }).id };
    }
  }
  const input = (args.input && typeof args.input === 'object' ? args.input : args) as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string' || !UUID.test(value)) continue;
    if (key === 'id') return { objectType: null, objectId: value };
    if (key.endsWith('Id')) return { objectType: key.charAt(0).toUpperCase() + key.slice(1, -2), objectId: value };
  }
  return { objectType: null, objectId: null };
}
