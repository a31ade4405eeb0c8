/**
 * Gathers, per tenant, the contacts whose orders changed and hands them on
 * at most once per `delayMs`: the first change of a quiet tenant starts the
 * window, changes during it join the same hand-off. A steady stream of order
 * batches thus costs one RFM request and one CLV scoring (of the union of
 * contacts) per window, not one per batch or per order.
 */
export class RescoreDebouncer {
  private readonly pending = new Map<string, { contacts: Set<string>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly delayMs: number,
    private readonly flushTenant: (tenantId: string, contactIds: string[]) => void,
  ) {}

  /** Called after a commit that changed orders (an empty list still asks for the RFM recompute). */
  add(tenantId: string, contactIds: readonly string[]): void {
    const entry = this.pending.get(tenantId);
    if (entry) {
      for (const id of contactIds) entry.contacts.add(id);
      return;
    }
    const timer = setTimeout(() => this.flush(tenantId), this.delayMs);
    timer.unref();
    this.pending.set(tenantId, { contacts: new Set(contactIds), timer });
  }

  /** Hands on everything now (at shutdown). */
  flushAll(): void {
    for (const tenantId of [...this.pending.keys()]) this.flush(tenantId);
  }

  private flush(tenantId: string): void {
    const entry = this.pending.get(tenantId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(tenantId);
    this.flushTenant(tenantId, [...entry.contacts]);
  }
}
