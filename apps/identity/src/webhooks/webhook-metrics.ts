import { Counter, Histogram, type Registry } from 'prom-client';

/** How one delivery attempt ended: delivered, failed and to be retried, failed for good, or skipped (nothing the reader may see). */
export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped';

export interface WebhookMetrics {
  attempt(outcome: DeliveryOutcome, latencyMs?: number): void;
}

/**
 * `rapport_webhook_deliveries_total{outcome}` per attempt and
 * `rapport_webhook_delivery_seconds` (the partner's answer time). Per
 * endpoint figures are in the API (webhookDeliveries); labels here stay
 * bounded, so no endpoint or tenant label.
 */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const attempts = new Counter({
    name: 'rapport_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed for good, skipped)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rapport_webhook_delivery_seconds',
    help: 'How long partners’ endpoints took to answer a webhook delivery',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    attempt(outcome, latencyMs) {
      attempts.inc({ outcome });
      if (latencyMs !== undefined) latency.observe(latencyMs / 1000);
    },
  };
}
