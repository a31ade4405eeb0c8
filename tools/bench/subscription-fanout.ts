import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { gql as gatewayGql, loginToken } from './gateway-gql';

export interface FanOutOptions {
  gatewayUrl: string;
  tenant: string;
  adminToken: string;
  password: string;
  subscribers: number;
  /** Distinct users the subscribers are spread over: identical queries of one user for one event run once. */
  users: number;
  mutations: number;
}

export interface FanOutResult {
  /** Mutation sent → notification received, one per subscriber and mutation, sorted. */
  latencies: number[];
  missing: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * `subscribers` graphql-ws connections to the gateway, each subscribed to
 * contactChanged of one contact (as `users` different users, round robin);
 * then `mutations` updates of that contact, one after another, each waited
 * for at every subscriber. Latency: from sending the mutation to a
 * subscriber's receiving the change.
 */
export async function measureFanOut(o: FanOutOptions): Promise<FanOutResult> {
  const url = `${o.gatewayUrl}/graphql`;
  const call = <T = any>(query: string, variables: unknown = {}) => gatewayGql<T>(url, query, variables, o.adminToken);
  const contactId: string = (await call(`mutation { createContact(input: { firstName: "Fan", lastName: "Out" }) { contact { id } } }`))
    .createContact.contact.id;
  const tokens: string[] = [];
  for (let u = 0; u < o.users; u++) {
    const email = `fanout-${Date.now().toString(36)}-${u}@bench.test`;
    await call(`mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }`, {
      i: { email, displayName: `Fan-out ${u}`, password: o.password, roles: ['sales_rep'] },
    });
    tokens.push(await loginToken(url, { tenant: o.tenant, email, password: o.password }));
  }

  // Per subscriber: first name → when it arrived.
  const arrivals: Map<string, number>[] = [];
  const clients: Client[] = [];
  let onArrival: () => void = () => undefined;
  for (let s = 0; s < o.subscribers; s++) {
    const seen = new Map<string, number>();
    arrivals.push(seen);
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tokens[s % tokens.length]}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: (err) => console.error('subscriber connection failed', err),
    });
    clients.push(client);
    client.subscribe<{ contactChanged: { firstName: string } | null }>(
      { query: 'subscription ($id: ID!) { contactChanged(id: $id) { id firstName } }', variables: { id: contactId } },
      {
        next: (result) => {
          const name = result.data?.contactChanged?.firstName;
          if (name && !seen.has(name)) {
            seen.set(name, Date.now());
            onArrival();
          }
        },
        error: (err) => console.error('subscription failed', err),
        complete: () => undefined,
      },
    );
  }
  const rename = (firstName: string) =>
    call(`mutation ($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }`, { i: { id: contactId, firstName } });
  const waitFor = async (name: string, deadlineMs: number) => {
    const deadline = Date.now() + deadlineMs;
    while (arrivals.some((a) => !a.has(name)) && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        onArrival = resolve;
        setTimeout(resolve, 250);
      });
  };

  // Subscribing has no acknowledgement: rename until every subscriber heard a warm-up change.
  for (let w = 0; arrivals.some((a) => a.size === 0) && w < 60; w++) {
    await rename(`Warm-up ${w}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const latencies: number[] = [];
  let missing = 0;
  for (let m = 0; m < o.mutations; m++) {
    const name = `Fan ${m}`;
    const sentAt = Date.now();
    await rename(name);
    await waitFor(name, 60_000);
    for (const a of arrivals) {
      const at = a.get(name);
      if (at === undefined) missing++;
      else latencies.push(at - sentAt);
    }
  }
  await Promise.all(clients.map((c) => c.dispose()));
  return { latencies: latencies.sort((a, b) => a - b), missing };
}

export function describeFanOut(o: FanOutOptions, r: FanOutResult): string[] {
  return [
    `subscription fan-out: ${o.subscribers} subscribers (${o.users} users), ${o.mutations} updates, ${r.latencies.length} notifications, ${r.missing} missing`,
    `mutation → notification: p50 ${percentile(r.latencies, 50)} ms, p99 ${percentile(r.latencies, 99)} ms, max ${r.latencies[r.latencies.length - 1]} ms`,
  ];
}
