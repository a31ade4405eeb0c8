import fc from 'fast-check';

/** What sales publishes about merges, in the order it happened. */
export type MasterEvent =
  | { type: 'created'; id: string; at: string }
  | { type: 'merged'; mergeId: string; survivorId: string; mergedIds: string[]; at: string }
  | { type: 'unmerged'; mergeId: string; survivorId: string; restoredIds: string[]; at: string };

/** One step a user may try in sales; `pick` values choose among what sales would accept at that point. */
type Step = { op: 'create' } | { op: 'merge'; survivor: number; members: number[] } | { op: 'unmerge'; pick: number };

/**
 * A reference model of sales' merge rules, to replay random histories:
 * only live records (not merged) can be merged, the survivor among them;
 * a merge can be undone only while its survivor is still live (sales refuses
 * while a later merge involves its records). `survivors` is sales' answer
 * for every id after the whole history.
 */
export function salesHistory(steps: Step[]): { events: MasterEvent[]; survivors: Map<string, string> } {
  const parent = new Map<string, string | null>();
  const inForce: { mergeId: string; survivorId: string; mergedIds: string[] }[] = [];
  const events: MasterEvent[] = [];
  // Counted ids keep a counterexample reproducible from its seed; each run has its own tenant.
  let serial = 0;
  const newId = () => `00000000-0000-4000-8000-${(++serial).toString().padStart(12, '0')}`;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const at = () => new Date((clock += 1000)).toISOString();
  const live = () => [...parent].filter(([, p]) => p === null).map(([id]) => id);
  for (const step of steps) {
    if (step.op === 'create' || parent.size < 2) {
      const id = newId();
      parent.set(id, null);
      events.push({ type: 'created', id, at: at() });
      continue;
    }
    if (step.op === 'merge') {
      const candidates = live();
      if (candidates.length < 2) continue;
      const survivorId = candidates[step.survivor % candidates.length];
      const others = candidates.filter((id) => id !== survivorId);
      const mergedIds = [...new Set(step.members.map((i) => others[i % others.length]))];
      const mergeId = newId();
      for (const id of mergedIds) parent.set(id, survivorId);
      inForce.push({ mergeId, survivorId, mergedIds });
      events.push({ type: 'merged', mergeId, survivorId, mergedIds, at: at() });
      continue;
    }
    const undoable = inForce.filter((m) => parent.get(m.survivorId) === null);
    if (undoable.length === 0) continue;
    const m = undoable[step.pick % undoable.length];
    inForce.splice(inForce.indexOf(m), 1);
    for (const id of m.mergedIds) parent.set(id, null);
    events.push({ type: 'unmerged', mergeId: m.mergeId, survivorId: m.survivorId, restoredIds: m.mergedIds, at: at() });
  }
  const root = (id: string): string => {
    const p = parent.get(id);
    return p ? root(p) : id;
  };
  return { events, survivors: new Map([...parent.keys()].map((id) => [id, root(id)])) };
}

export const stepsArb: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { arbitrary: fc.constant({ op: 'create' as const }), weight: 3 },
    {
      arbitrary: fc.record({
        op: fc.constant('merge' as const),
        survivor: fc.nat(),
        members: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ op: fc.constant('unmerge' as const), pick: fc.nat() }), weight: 2 },
  ),
  { minLength: 4, maxLength: 30 },
);

/**
 * How the events reach a consumer: in order, or reordered (as redelivery
 * after a failure can), with some delivered twice.
 */
export function deliveryArb(count: number): fc.Arbitrary<number[]> {
  const indexes = Array.from({ length: count }, (_, i) => i);
  return fc
    .tuple(fc.boolean(), fc.shuffledSubarray(indexes, { minLength: 0, maxLength: Math.min(count, 5) }))
    .chain(([inOrder, again]) =>
      (inOrder ? fc.constant(indexes) : fc.shuffledSubarray(indexes, { minLength: count, maxLength: count })).map((order) => [
        ...order,
        ...again,
      ]),
    );
}
