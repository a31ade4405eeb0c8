/** An order record of a run, as the read model keys it: the order, whom it names, and its version (analytics' recording time). */
export interface OrderRecord {
  orderId: string;
  contactId: string | null;
  at: string;
}

/** What contact_orders held for an order before the run: whom it counted for, and the version, in ms. */
export interface StoredOrder {
  contactId: string | null;
  recordedAt: number;
}

/**
 * Replays a run of order records (stream order) over what was stored, as
 * writing them one by one would: a record applies when it is not older
 * than the order's record at that point (stored, or an earlier one of the
 * run that applied). Returns, per record, whether it applied, and every
 * contact an applied record took its order from or gave it to (each
 * recounted once after the run: a recount reads only the rows, so the
 * counts equal those after each write).
 */
export function applyOrderRecords(
  records: readonly OrderRecord[],
  stored: ReadonlyMap<string, StoredOrder>,
): { applied: boolean[]; touched: string[] } {
  const current = new Map<string, StoredOrder>(stored);
  const touched = new Set<string>();
  const applied = records.map((r) => {
    const at = Date.parse(r.at);
    const before = current.get(r.orderId);
    if (before && before.recordedAt > at) return false;
    if (before?.contactId) touched.add(before.contactId);
    if (r.contactId) touched.add(r.contactId);
    current.set(r.orderId, { contactId: r.contactId, recordedAt: at });
    return true;
  });
  return { applied, touched: [...touched] };
}
