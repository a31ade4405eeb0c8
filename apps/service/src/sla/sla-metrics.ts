import { Counter, Histogram, type Registry } from 'prom-client';

export interface SlaTimerMetrics {
  /** A timer came due and ran: it fired (warning or breach recorded) or found the case had moved on (stale). */
  ran(kind: string, stage: string, outcome: 'fired' | 'stale', dueAtMs: number, nowMs?: number): void;
}

/**
 * `rapport_sla_timers_fired_total{kind,stage,outcome}` and
 * `rapport_sla_timer_lateness_seconds` (from when a timer was due to when it
 * ran): a rising lateness means warnings and breaches reach people late —
 * the worker is behind or Redis was away. How many timers wait is the
 * `service-sla` queue's delayed count in rapport_job_queue_jobs.
 */
export function slaTimerMetrics(registry: Registry): SlaTimerMetrics {
  const ran = new Counter({
    name: 'rapport_sla_timers_fired_total',
    help: 'SLA timers that came due, by SLA kind, stage (WARNING, BREACH) and outcome (fired, stale)',
    labelNames: ['kind', 'stage', 'outcome'] as const,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'rapport_sla_timer_lateness_seconds',
    help: 'How long after its due time an SLA timer ran',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  return {
    ran(kind, stage, outcome, dueAtMs, nowMs = Date.now()) {
      ran.inc({ kind, stage, outcome });
      lateness.observe(Math.max(0, nowMs - dueAtMs) / 1000);
    },
  };
}
