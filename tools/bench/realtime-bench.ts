/**
 * `npm run bench:realtime`: outbound webhooks through the real platform (its
 * own isolated run, like bench:marketing). --events (2,000)
 * sales.contact.created events are published on NATS for a tenant with one
 * endpoint subscribed to them, on a local HTTP receiver; printed: deliveries
 * per second from the first publish to the last delivery, and the latency
 * from each event (its occurredAt, stamped at publish) to its arrival,
 * p50/p99. Printed, not asserted.
 *
 * Then GraphQL subscription fan-out on the same platform: --subscribers
 * (1,000) graphql-ws connections to the gateway, spread over --users (10)
 * sales reps, subscribed to contactChanged of one contact; --mutations (20)
 * updates of it one after another; printed: p50/p99 from sending the
 * mutation to each subscriber's notification.
 *
 * Flags: --events (0 skips the webhooks), --subscribers (0 skips the fan-out), --users, --mutations.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { connect } from 'nats';
import { contactCreatedEvent } from './contact-created-event';
import { gql as gatewayGql, loginToken } from './gateway-gql';
import { benchPlatform } from './platform-process';
import { describeFanOut, measureFanOut } from './subscription-fanout';

const args = process.argv.slice(2);
function flag(name: string, fallback: number, min: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}`);
  return value;
}
const events = flag('events', 2000, 0);
const subscribers = flag('subscribers', 1000, 0);
const users = flag('users', 10, 1);
const mutations = flag('mutations', 20, 1);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  console.log(`realtime bench — ${events} webhook deliveries, ${subscribers} subscribers, Node ${process.version}, ${cpus().length} cores`);
  const latencies: number[] = [];
  const seen = new Set<string>();
  let lastArrival = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; occurredAt: string };
      if (!seen.has(event.id)) {
        seen.add(event.id);
        latencies.push(at - new Date(event.occurredAt).getTime());
        lastArrival = at;
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  // Every subscriber of one user counts against that user's limit: the bench's users hold 100 or more each.
  const platform = await benchPlatform({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', SUBSCRIPTIONS_PER_CALLER: '100000' });
  try {
    const url = `${platform.gatewayUrl}/graphql`;
    const password = process.env.RAPPORT_DEMO_PASSWORD || 'rapport-demo';
    const token = await loginToken(url, {
      tenant: 'demo',
      email: 'admin@demo.test',
      password,
    });
    const call = <T = any>(query: string, variables: unknown = {}) => gatewayGql<T>(url, query, variables, token);
    if (subscribers > 0) {
      const options = { gatewayUrl: platform.gatewayUrl, tenant: 'demo', adminToken: token, password, subscribers, users, mutations };
      for (const line of describeFanOut(options, await measureFanOut(options))) console.log(line);
    }
    if (events === 0) return;
    const tenantId: string = (await call(`{ me { tenant { id } } }`)).me.tenant.id;
    await call(`mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`, {
      input: { url: receiverUrl, eventTypes: ['sales.contact.created'] },
    });
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const js = nc.jetstream();
    const started = Date.now();
    const pending: Promise<unknown>[] = [];
    for (let n = 0; n < events; n++) {
      const event = contactCreatedEvent(tenantId, { firstName: 'Bench', lastName: `Hook ${n}` });
      pending.push(js.publish(`${platform.subjectPrefix}.sales.contact.created`, Buffer.from(JSON.stringify(event)), { msgID: event.id }));
      if (pending.length >= 200) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await nc.close();
    const deadline = Date.now() + 600_000;
    while (seen.size < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const took = (lastArrival - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`webhook deliveries: ${seen.size} of ${events} in ${took.toFixed(1)} s (${(seen.size / took).toFixed(0)}/s)`);
    console.log(`event → delivery: p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms`);
  } finally {
    await platform.stop();
    receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
