/**
 * `npm run bench`: requests/s and latency of `contact(id)` sent (a) to the
 * sales subgraph directly and (b) through the gateway, and their ratio — the
 * price of federation, verification and limits on the hot path.
 * Flags: --duration <s> (default 10), --connections <n> (default 20).
 */
import autocannon from 'autocannon';
import { benchPlatform } from './platform-process';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const duration = flag('duration', 10);
const connections = flag('connections', 20);

async function gql(url: string, query: string, token?: string): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function measure(label: string, url: string, body: string, token: string) {
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const failures = result.errors + result.non2xx;
  console.log(
    `${label.padEnd(26)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   errors ${failures}`,
  );
  return result.requests.average;
}

async function main(): Promise<void> {
  const platform = await benchPlatform();
  try {
    const password = process.env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo';
    const { login } = await gql(
      platform.gatewayUrl,
      `mutation { login(input: { tenant: "demo", email: "admin@demo.test", password: "${password}" }) { accessToken } }`,
    );
    const token: string = login.accessToken;
    const { createContact } = await gql(
      platform.gatewayUrl,
      `mutation { createContact(input: { firstName: "Bench", lastName: "Mark", emails: ["bench@example.com"] }) { contact { id } } }`,
      token,
    );
    const body = JSON.stringify({
      query: `query($id: ID!) { contact(id: $id) { id firstName lastName emails } }`,
      variables: { id: createContact.contact.id },
    });

    console.log(
      `contact(id) — ${connections} connections, ${duration} s each, Node ${process.version}, ${require('node:os').cpus().length} cores`,
    );
    await measure('warm-up (gateway)', platform.gatewayUrl, body, token);
    const direct = await measure('(a) sales subgraph direct', platform.salesUrl, body, token);
    const viaGateway = await measure('(b) through the gateway', platform.gatewayUrl, body, token);
    console.log(`ratio gateway/direct: ${(viaGateway / direct).toFixed(2)}`);
  } finally {
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
