import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every .ts file under a folder, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return name.endsWith('.ts') && !name.includes('.spec.') && !name.includes('.integration-spec.') ? [path] : [];
  });
}

/** Metric names the platform's code registers (string literals passed to prom-client), plus Node's default process metrics. */
function definedMetrics(): Set<string> {
  const names = new Set(['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']);
  for (const file of [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps'))])
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/'((?:rapport|http|graphql)_[a-z_]+)'/g)) names.add(name);
  return names;
}

/** The metrics a PromQL expression reads, histogram series folded into their metric. */
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\b((?:rapport|http|graphql|process|nodejs)_[a-z_]+)\b/g)].map(([, name]) => name.replace(/_(bucket|count|sum)$/, ''));

describe('the Grafana dashboard under k8s/grafana', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'k8s', 'grafana', 'rapport-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('charts only metrics the code registers, so a renamed metric cannot leave a panel silently empty', () => {
    const defined = definedMetrics();
    const unknown = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        metricsIn(t.expr)
          .filter((m) => !defined.has(m))
          .map((m) => `${p.title}: ${m}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('charts the flows operators alert on: consumer lag, parked events, job queues, events, webhooks, SLA timers and campaign sends', () => {
    const charted = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))));
    for (const metric of [
      'rapport_consumer_pending',
      'rapport_events_parked',
      'rapport_events_parked_total',
      'rapport_job_queue_jobs',
      'rapport_events_published_total',
      'rapport_events_consumed_total',
      'rapport_webhook_deliveries_total',
      'rapport_sla_timers_fired_total',
      'rapport_campaign_sends_total',
    ])
      expect(charted).toContain(metric);
  });
});
