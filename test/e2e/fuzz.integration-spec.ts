import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadTypeDefs } from '@rapport/service-kit';
import { bearer, graphql } from '@rapport/testing';
import fc from 'fast-check';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { SUPERGRAPH_PATH } from '../../apps/gateway/src/gateway-server';
import { SUBGRAPHS } from '../../apps/gateway/src/subgraphs';
import { fuzzRequests, type FuzzRequest, type OperationOptions } from '../harness/fuzz/operations';
import { RowCounter, diff } from '../harness/fuzz/row-counts';
import { errorsOf, faultsOf, sendFuzzRequest, wasRejected, type FuzzOutcome } from '../harness/fuzz/send';
import { createTenant, startPlatform, type Platform } from '../harness/platform';

/**
 * Hostile input never makes the platform fail (docs/adr/023-no-internal-errors-for-bad-input.md):
 * operations generated from the composed supergraph and from each subgraph's
 * own schema, with random and boundary arguments, damaged in structure and in
 * transport, sent as a sales rep, an admin and anonymously. None may answer
 * 5xx or INTERNAL_SERVER_ERROR, every service must still be healthy after,
 * memory must stay bounded, and a refused mutation must write no row.
 *
 * Two seeds per property: a fixed one (the same operations every run) and a
 * fresh one (FUZZ_SEED to replay; fast-check prints it on failure).
 * FUZZ_RUNS scales the number of operations (default 3,000 through the
 * gateway, 1,000 straight to subgraphs, 300 mutations for the write check);
 * FUZZ_COLLECT=1 lists every fault instead of stopping at the first;
 * FUZZ_SHRINK=1 lets fast-check shrink a failure (slow: each try is a request).
 */
const FIXED_SEED = 20261206;
const RANDOM_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const GATEWAY_OPERATIONS = Math.round(3000 * RUNS);
const SUBGRAPH_OPERATIONS = Math.round(1000 * RUNS);
const REJECTED_MUTATIONS = Math.round(300 * RUNS);
/** With FUZZ_COLLECT=1 every fault is gathered and listed at the end instead of stopping at the first (for hunting). */
const COLLECT = process.env.FUZZ_COLLECT === '1';
/** Per property: ~25 ms a request on a 2-core machine, with room for a slow CI runner. */
const TIMEOUT_MS = Math.max(60_000, 240_000 * RUNS);

type Caller = 'sales_rep' | 'admin' | 'anonymous';
const CALLERS: Caller[] = ['sales_rep', 'admin', 'anonymous'];

/** Mutations that would end the fuzzing session itself rather than test input handling. */
const SKIP_ROOT_FIELDS = ['logout'];

describe('fuzzing the API with hostile operations', () => {
  let platform: Platform;
  let tokens: Record<Caller, Record<string, string>>;
  let rejectTokens: Record<Caller, Record<string, string>>;
  let rejectTenantId: string;
  const pools = { ids: [] as string[] };
  const found = new Map<string, { request: FuzzRequest; caller: Caller; outcome: FuzzOutcome; faults: string[] }>();
  let sent = 0;
  /** Answers by request kind, HTTP status and error codes: shows how deep the generated operations get. */
  const tally = new Map<string, number>();
  let gc: () => void;
  let heapAtStart: number;
  const replayable: { request: FuzzRequest; caller: Caller }[] = [];
  const covered = new Set<string>();

  const heapAfterGc = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };

  beforeAll(async () => {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    platform = await startPlatform({ RATE_LIMIT_PER_MINUTE: '1000000', ANON_RATE_LIMIT_PER_MINUTE: '1000000' });
    const tenant = await createTenant(platform, 'fuzz');
    tokens = {
      sales_rep: bearer(await tenant.tokenFor('sales_rep')),
      admin: bearer(await tenant.tokenFor('admin')),
      anonymous: {},
    };
    const rejects = await createTenant(platform, 'fuzz-rejects');
    rejectTenantId = rejects.id;
    rejectTokens = {
      sales_rep: bearer(await rejects.tokenFor('sales_rep')),
      admin: bearer(await rejects.tokenFor('admin')),
      anonymous: {},
    };
    // Real ids, so some operations get past "not found" into the rules behind it.
    const seeded = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          a: createAccount(input: { name: "Fuzz Ltd" }) {
            account {
              id
            }
          }
        }
      `,
      {},
      tokens.admin,
    );
    const accountId = seeded.data!.a.account.id as string;
    const contact = await graphql(
      platform.graphqlUrl,
      `
        mutation ($a: ID!) {
          c: createContact(input: { lastName: "Fuzz", emails: ["fuzz@example.test"], accountId: $a }) {
            contact {
              id
            }
          }
        }
      `,
      { a: accountId },
      tokens.admin,
    );
    const contactId = contact.data!.c.contact.id as string;
    const kase = await graphql(
      platform.graphqlUrl,
      `
        mutation ($c: ID!) {
          openCase(input: { contactId: $c, subject: "Fuzz", description: "Fuzz" }) {
            case {
              id
            }
          }
        }
      `,
      { c: contactId },
      tokens.admin,
    );
    pools.ids.push(accountId, contactId, ...(kase.data ? [kase.data.openCase.case.id as string] : []));
    heapAtStart = heapAfterGc();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const send = async (url: string, request: FuzzRequest, caller: Caller, headers: Record<string, string>): Promise<FuzzOutcome> => {
    const outcome = await sendFuzzRequest(url, request, headers);
    sent++;
    const codes = errorsOf(outcome.body).map((e) => String(e.extensions?.code));
    const label = `${request.kind === 'operation' ? request.operationType : request.kind} ${outcome.status} ${codes.length ? [...new Set(codes)].sort().join('+') : 'data'}`;
    tally.set(label, (tally.get(label) ?? 0) + 1);
    const faults = faultsOf(outcome);
    if (faults.length > 0) {
      const key = `${request.kind === 'operation' ? request.rootFields.join(',') : request.kind} ${faults[0].slice(0, 120)}`;
      if (!found.has(key)) found.set(key, { request, caller, outcome, faults });
      if (!COLLECT) throw new Error(`${caller} got ${faults.join('; ')}\nrequest: ${JSON.stringify(request).slice(0, 3000)}`);
    }
    return outcome;
  };

  const options = (extra: Partial<OperationOptions> = {}): OperationOptions => ({
    pools,
    values: { dropRequired: 0.03, confuse: 0.03, unknownField: 0.03 },
    structural: 0.3,
    skipRootFields: SKIP_ROOT_FIELDS,
    ...extra,
  });

  /** Runs a property twice: the fixed seed, then this run's seed; each with half the runs. */
  const twoSeeds = async (property: fc.IAsyncProperty<any>, runs: number) => {
    for (const seed of [FIXED_SEED, RANDOM_SEED]) {
      await fc.assert(property, { seed, numRuns: Math.ceil(runs / 2), endOnFailure: process.env.FUZZ_SHRINK !== '1' });
    }
  };

  const supergraph: GraphQLSchema = buildSchema(readFileSync(SUPERGRAPH_PATH, 'utf8'), { assumeValidSDL: true });

  it(
    `answers ${GATEWAY_OPERATIONS} hostile operations through the gateway without a server fault`,
    async () => {
      const property = fc.asyncProperty(fuzzRequests(supergraph, options()), fc.constantFrom(...CALLERS), async (request, caller) => {
        const outcome = await send(platform.graphqlUrl, request, caller, tokens[caller]);
        request.rootFields.forEach((f) => covered.add(f));
        // Kept to send again for the leak check: reads and refusals, which change nothing when repeated.
        if (replayable.length < REPLAYED && (request.operationType !== 'mutation' || wasRejected(outcome)))
          replayable.push({ request, caller });
      });
      await twoSeeds(property, GATEWAY_OPERATIONS);
      // Every query and mutation of the supergraph was called (but logout, which would end the session).
      const roots = [supergraph.getQueryType(), supergraph.getMutationType()].flatMap((t) => Object.keys(t?.getFields() ?? {}));
      if (GATEWAY_OPERATIONS >= 3000) expect(roots.filter((f) => !covered.has(f) && !SKIP_ROOT_FIELDS.includes(f))).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    `answers ${SUBGRAPH_OPERATIONS} hostile operations sent straight to the subgraphs without a server fault`,
    async () => {
      const schemas = SUBGRAPHS.map((s) => ({
        name: s.name,
        schema: buildSubgraphSchema(parse(loadTypeDefs(join(__dirname, '..', '..', s.dir)))),
      }));
      const property = fc.asyncProperty(
        fc
          .constantFrom(...schemas)
          .chain(({ name, schema }) =>
            fuzzRequests(schema, options({ entityTypes: ['Contact', 'Account', 'User', 'Case'] })).map((request) => ({ name, request })),
          ),
        fc.constantFrom(...CALLERS),
        async ({ name, request }, caller) => {
          await send(`${platform.services[name].url}/graphql`, request, caller, tokens[caller]);
        },
      );
      await twoSeeds(property, SUBGRAPH_OPERATIONS);
    },
    TIMEOUT_MS,
  );

  it(
    `writes no row for any of ${REJECTED_MUTATIONS} refused mutations`,
    async () => {
      const counter = await RowCounter.open(rejectTenantId);
      const leaks: string[] = [];
      let compared = 0;
      try {
        let before = await counter.settled();
        const property = fc.asyncProperty(
          fuzzRequests(supergraph, options({ mutationsOnly: true, values: { dropRequired: 0.02, confuse: 0.02, unknownField: 0.02 } })),
          fc.constantFrom<Caller>('sales_rep', 'admin'),
          async (request, caller) => {
            const outcome = await send(platform.graphqlUrl, request, caller, rejectTokens[caller]);
            if (!wasRejected(outcome)) {
              // Accepted: its writes and their consumers are legitimate; start counting again once they settle.
              before = await counter.settled();
              return;
            }
            compared++;
            const after = await counter.counts();
            const changed = diff(before, after);
            if (changed.length > 0) leaks.push(`${request.rootFields.join(',')} (${caller}) refused yet wrote: ${changed.join(', ')}`);
            before = after;
          },
        );
        await twoSeeds(property, REJECTED_MUTATIONS);
        // The counter sees this tenant's writes: an accepted mutation moves it.
        const settled = await counter.settled();
        await graphql(
          platform.graphqlUrl,
          'mutation { createAccount(input: { name: "Counted Ltd" }) { account { id } } }',
          {},
          rejectTokens.admin,
        );
        expect(diff(settled, await counter.counts())).toContainEqual(expect.stringMatching(/\.accounts_all: \d+ → \d+$/));
      } finally {
        await counter.close();
      }
      expect(leaks).toEqual([]);
      // Most generated mutations are refused, so the check compared many.
      expect(compared).toBeGreaterThan(REJECTED_MUTATIONS / 2);
    },
    TIMEOUT_MS,
  );

  it('leaves every service answering its health checks, within a bounded heap', async () => {
    for (const url of [platform.gateway.url, ...Object.values(platform.services).map((s) => s.url)]) {
      const live = await fetch(`${url}/health/live`);
      expect({ url, status: live.status }).toEqual({ url, status: 200 });
      const ready = await fetch(`${url}/health/ready`);
      expect({ url, status: ready.status }).toEqual({ url, status: 200 });
    }
    const afterFuzz = heapAfterGc();
    // The same requests again: their documents and query plans are cached by now, so what the heap keeps
    // after them is what requests leak, not what the bounded caches hold.
    for (const { request, caller } of replayable) await send(platform.graphqlUrl, request, caller, tokens[caller]);
    const leaked = heapAfterGc() - afterFuzz;
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    process.stdout.write(
      `fuzz: ${sent} requests, seeds ${FIXED_SEED} and ${RANDOM_SEED}; heap +${mb(afterFuzz - heapAtStart)} over the fuzz, ` +
        `${mb(leaked)} over ${replayable.length} repeated requests; rss ${mb(process.memoryUsage().rss)}\n`,
    );
    if (process.env.FUZZ_TALLY === '1')
      process.stdout.write(
        `${[...tally]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n}\t${k}`)
          .join('\n')}\n`,
      );
    expect(afterFuzz - heapAtStart).toBeLessThan(CACHES_BOUND);
    expect(leaked).toBeLessThan(LEAK_BOUND);
    expect(process.memoryUsage().rss).toBeLessThan(RSS_BOUND);
  });

  it('found no server faults (FUZZ_COLLECT lists them all)', () => {
    const listed = [...found.values()].map(
      ({ request, caller, outcome, faults }) =>
        `${caller} ${request.kind} ${request.rootFields.join(',')}: ${faults.join('; ')}\n  ${request.body?.slice(0, 600) ?? JSON.stringify(request.params)}\n  → ${outcome.text.slice(0, 400)}`,
    );
    expect(listed).toEqual([]);
  });
});

/** Requests sent a second time for the leak check. */
const REPLAYED = 500;
/**
 * Heap kept after a full collection may grow this much over the whole fuzz: six Apollo servers run in this
 * process (gateway and five subgraphs), each caching parsed documents up to 30 MiB of their JSON size, and
 * the gateway caches query plans likewise; every fuzzed document is new, so they fill (~10 KB a request).
 */
const CACHES_BOUND = 400 * 1048576;
/** Kept after 500 repeated requests whose documents are already cached: 32 KB a request would be a leak. */
const LEAK_BOUND = 16 * 1048576;
/** All five subgraphs and the gateway run in this process; a runaway query (ADR 017: one grew sales to 4 GB) would pass this. */
const RSS_BOUND = 2048 * 1048576;
