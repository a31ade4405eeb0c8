import { Counter, type Registry } from 'prom-client';
import type { DeliveryOutcome } from '../sending/message-sender';

export interface CampaignSendMetrics {
  delivered(channel: string, outcomes: readonly DeliveryOutcome[]): void;
  skipped(channel: string, count: number): void;
}

/**
 * `rapport_campaign_sends_total{channel,outcome}`: campaign messages by how
 * they ended — SENT, BOUNCED, FAILED, or SKIPPED at claim time (consent,
 * suppression, complaint or address checks said no). Per-campaign figures
 * are in the API; labels here stay bounded.
 */
export function campaignSendMetrics(registry: Registry): CampaignSendMetrics {
  const sends = new Counter({
    name: 'rapport_campaign_sends_total',
    help: 'Campaign messages by channel and outcome (SENT, BOUNCED, FAILED, SKIPPED)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  return {
    delivered(channel, outcomes) {
      for (const outcome of outcomes) sends.inc({ channel, outcome });
    },
    skipped(channel, count) {
      if (count > 0) sends.inc({ channel, outcome: 'SKIPPED' }, count);
    },
  };
}
