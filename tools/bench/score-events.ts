import {
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  SYSTEM_ACTOR,
  type CustomerChurnRiskChangedDataV1,
  type CustomerTierChangedDataV1,
  type CustomerValueChangedDataV1,
} from '@rapport/contracts';
import { connect, headers } from 'nats';
import type { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { waitForDelivery } from './delivery-drain';

export interface ScoreEventIngestOptions {
  pg: Client;
  runId: string;
  tenantId: string;
  subjectPrefix: string;
  /** Customers scored: three events each. */
  customers: number;
  timeoutS: number;
  /** CPU seconds used so far by each consuming service's processes (null when unknown). */
  cpuSeconds: Record<string, () => number | null>;
}

export interface ScoreEventIngestResult {
  events: number;
  /** From the first publish until every consumer of the run acknowledged everything; null past the timeout. */
  seconds: number | null;
  publishedSeconds: number;
  /** CPU milliseconds per event, per service, over the same span. */
  cpuMsPerEvent: Record<string, number | null>;
}

/** Customers per group, as a full scoring's compact outbox row holds them (ADR 060): their tier events, then bands, then values. */
const GROUP = 1000;

/**
 * A first scoring's announcements, straight into the ANALYTICS stream:
 * per customer a tier, a churn-band and a value event, grouped as the
 * relay publishes a scoring's compact rows. Timed until every durable
 * consumer of the run (sales' and service's tiers, marketing's read model,
 * identity's webhook fan-out, …) has acknowledged them all: the backlog a
 * scoring of that many customers leaves behind (ADR 074).
 */
export async function runScoreEventIngest(o: ScoreEventIngestOptions): Promise<ScoreEventIngestResult> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const subject = (type: string) => (o.subjectPrefix ? `${o.subjectPrefix}.${type}` : type);
  const occurredAt = new Date().toISOString();
  const cpuBefore = Object.fromEntries(Object.entries(o.cpuSeconds).map(([name, read]) => [name, read()]));
  const started = process.hrtime.bigint();
  let events = 0;
  const publish = (type: string, contactId: string, data: unknown) => {
    const id = uuidv7();
    const h = headers();
    h.set('Nats-Msg-Id', id);
    const envelope = { id, type, version: 1, tenantId: o.tenantId, occurredAt, actor: SYSTEM_ACTOR, subjectId: contactId, data };
    nc.publish(subject(type), Buffer.from(JSON.stringify(envelope)), { headers: h });
    events++;
  };
  try {
    for (let first = 0; first < o.customers; first += GROUP) {
      const group = Array.from({ length: Math.min(GROUP, o.customers - first) }, (_, i) => ({ contactId: uuidv7(), n: first + i }));
      const clv = (n: number) => ({ amount: `${(100 + (n % 900)).toFixed(2)}`, currency: 'EUR' });
      const tier = (n: number) => ['platinum', 'gold', 'silver', 'bronze'][n % 4];
      const risk = (n: number) => (n % 100) / 100;
      const band = (n: number) => (risk(n) < 0.3 ? 'LOW' : risk(n) < 0.7 ? 'MEDIUM' : 'HIGH');
      for (const { contactId, n } of group)
        publish(CUSTOMER_TIER_CHANGED, contactId, {
          contactId,
          previousTier: null,
          tier: tier(n),
          clv: clv(n),
        } satisfies CustomerTierChangedDataV1);
      for (const { contactId, n } of group)
        publish(CUSTOMER_CHURN_RISK_CHANGED, contactId, {
          contactId,
          previousBand: null,
          band: band(n),
          churnRisk: risk(n),
          pAlive: 1 - risk(n),
          openComplaints: 0,
          activityTrend: null,
        } satisfies CustomerChurnRiskChangedDataV1);
      for (const { contactId, n } of group)
        publish(CUSTOMER_VALUE_CHANGED, contactId, {
          contactId,
          clv: clv(n),
          tier: tier(n),
          churnBand: band(n),
          churnRisk: risk(n),
          pAlive: 1 - risk(n),
          asOf: occurredAt,
        } satisfies CustomerValueChangedDataV1);
      await nc.flush();
    }
    const publishedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const drained = await waitForDelivery(o.pg, o.runId, o.timeoutS);
    const seconds = drained === null ? null : publishedSeconds + drained;
    const cpuMsPerEvent = Object.fromEntries(
      Object.entries(o.cpuSeconds).map(([name, read]) => {
        const before = cpuBefore[name];
        const after = read();
        return [name, before === null || after === null ? null : ((after - before) * 1000) / events];
      }),
    );
    return { events, seconds, publishedSeconds, cpuMsPerEvent };
  } finally {
    await nc.close();
  }
}
