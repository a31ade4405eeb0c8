/**
 * What the bench needs of the gateway's read cache (ADR 080): how its
 * fetches were answered during a row (from the gateway's /metrics), and a
 * steady write load beside the reads, so a row with the cache on says what
 * it does when the customer keeps changing.
 */
import { gql } from './gateway-gql';

export interface CacheCounts {
  hit: number;
  shared: number;
  miss: number;
  bypass: number;
}

/** The gateway's read-cache counters now; null when it serves none (an older build, or READ_CACHE=false). */
export async function cacheCounts(gatewayUrl: string, metricsToken: string | undefined): Promise<CacheCounts | null> {
  const res = await fetch(`${gatewayUrl}/metrics`, { headers: metricsToken ? { authorization: `Bearer ${metricsToken}` } : {} });
  if (!res.ok) return null;
  const text = await res.text();
  const counts: CacheCounts = { hit: 0, shared: 0, miss: 0, bypass: 0 };
  let found = false;
  // Labels in any order (the registry adds `service`).
  for (const match of text.matchAll(
    /^gateway_read_cache_fetches_total\{[^}]*\bresult="(hit|shared|miss|bypass)"[^}]*\} (\d+(?:\.\d+)?)/gm,
  )) {
    counts[match[1] as keyof CacheCounts] = Number(match[2]);
    found = true;
  }
  return found ? counts : null;
}

/** Share of the row's subgraph fetches that did not reach a subgraph (kept, or shared with an identical one under way); null without counters. */
export function hitRate(before: CacheCounts | null, after: CacheCounts | null): number | null {
  if (!before || !after) return null;
  const hit = after.hit - before.hit + (after.shared - before.shared);
  const all = hit + (after.miss - before.miss) + (after.bypass - before.bypass);
  return all === 0 ? null : hit / all;
}

/**
 * One `updateContact` of the read contact through the gateway per `every`
 * answers read, one at a time (a write that falls behind is owed, not
 * dropped), alternating its first name so each one changes the row.
 */
export class SteadyWriter {
  private owed = 0;
  private reads = 0;
  private running: Promise<void> | null = null;
  written = 0;
  failed = 0;

  constructor(
    private readonly graphqlUrl: string,
    private readonly token: string,
    private readonly contactId: string,
    private readonly every: number,
  ) {}

  /** Called for each answer read. */
  read(): void {
    if (++this.reads % this.every !== 0) return;
    this.owed++;
    this.running ??= this.drain();
  }

  async finish(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.owed > 0) {
      this.owed--;
      try {
        await gql(
          this.graphqlUrl,
          `mutation($id: ID!, $name: String!) { updateContact(input: { id: $id, firstName: $name }) { contact { id } } }`,
          { id: this.contactId, name: this.written % 2 === 0 ? 'Augusta' : 'Ada' },
          this.token,
        );
        this.written++;
      } catch {
        this.failed++;
      }
    }
    this.running = null;
  }
}
