import { randomUUID } from 'node:crypto';
import { SmtpSink } from '@rapport/channels/testing';
import { ORDER_RECORDED } from '@rapport/contracts';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import type { Platform, TestTenant } from '../harness/platform';
import {
  CAMPAIGN,
  contactSnapshot,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  event,
  eventually,
  gatewayClient,
  LAUNCH,
  marketingDb,
  optIn,
  publish,
  seedContacts,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

const RESULTS = `query($id: ID!, $model: AttributionModel) {
  campaignResults(id: $id, model: $model) {
    model windowDays leadingVariant
    groups {
      group variantKey assigned reach conversions conversionRate revenue { amount currency } cost { amount currency } roi uplift zScore pValue
      incremental { revenue { amount } revenueLow { amount } revenueHigh { amount } roi roiLow roiHigh confidenceLevel }
    }
    verdict { winner reasons minimumSampleSize baselineRate
      comparisons { variantKey against difference differenceLow differenceHigh pValue adjustedPValue significant } }
  }
}`;
const ROLL_OUT = `mutation($id: ID!, $variantKey: String) {
  rollOutWinner(campaignId: $id, variantKey: $variantKey) { variantKey recipients campaign { status winnerVariant winnerOverridden } }
}`;

/** Two-proportion z-test written out independently of the service's code. */
function expectedTest(x1: number, n1: number, x0: number, n0: number) {
  const p = (x1 + x0) / (n1 + n0);
  const z = (x1 / n1 - x0 / n0) / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0));
  return { uplift: x1 / n1 - x0 / n0, z };
}

// Platform start-up and waits for background work on a loaded 2-core machine.
jest.setTimeout(180_000);

describe('measurement: attribution, uplift against control, roll-out of the winner (integration)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let sink: SmtpSink;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let call: ReturnType<typeof gatewayClient>;

  let rig: MarketingRig;

  beforeAll(async () => {
    rig = await startMarketingRig('measure');
    ({ platform, tenant, sink, nc, probe, call } = rig);
  });

  afterAll(() => rig?.stop());

  it('credits orders in the window, compares each variant with the control group, and rolls the winner out to the rest', async () => {
    const contacts = Array.from({ length: 300 }, (_, i) =>
      contactSnapshot({ lastName: 'Measured', firstName: `M${i}`, emails: [`m${i}@example.com`] }),
    );
    await seedContacts(platform, nc, tenant.id, contacts);
    await optIn(
      call,
      contacts.map((c) => c.id),
    );
    const segment = (await call(CREATE_SEGMENT, { input: { name: 'Measured', rule: { field: 'lastName', op: 'eq', value: 'Measured' } } }))
      .createSegment.segment;
    const campaign = (
      await call(CREATE_CAMPAIGN, {
        input: {
          name: 'Spring',
          segmentId: segment.id,
          channel: 'EMAIL',
          controlPercent: 20,
          testPercent: 50,
          costPerMessage: { amount: '0.05', currency: 'EUR' },
          budget: { amount: '100.00', currency: 'EUR' },
          attributionWindowDays: 7,
          // Planned to see 10 % → 45 %: with three comparisons each group needs 33 members (see significance.spec.ts).
          experiment: { significanceLevel: 0.05, power: 0.8, minimumDetectableEffect: 0.35, baselineRate: 0.1 },
          variants: [
            { key: 'A', splitPercent: 50, subject: 'A', text: 'a' },
            { key: 'B', splitPercent: 50, subject: 'B', text: 'b' },
          ],
        },
      })
    ).createCampaign.campaign;
    await call(LAUNCH, { id: campaign.id });
    await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign.status,
      (s) => s === 'SENT',
      30_000,
    );

    const recipients: { contact_id: string; grp: string; variant_key: string | null; touched_at: Date | null; assigned_at: Date }[] =
      await marketingDb(platform).query(
        `SELECT contact_id, grp, variant_key, touched_at, assigned_at FROM campaign_recipients WHERE campaign_id = $1 ORDER BY contact_id`,
        [campaign.id],
      );
    const group = (g: string, v: string | null) => recipients.filter((r) => r.grp === g && r.variant_key === v);
    const [a, b, control, held] = [group('VARIANT', 'A'), group('VARIANT', 'B'), group('CONTROL', null), group('HOLDOUT', null)];
    expect(a.length + b.length + control.length + held.length).toBe(300);
    for (const g of [a, b, control]) expect(g.length).toBeGreaterThan(33);

    // Nobody has ordered yet: there is no winner, and rollOutWinner says why instead of picking the first variant.
    const early = await graphql(platform.graphqlUrl, ROLL_OUT, { id: campaign.id }, bearer(await tenant.tokenFor('marketer')));
    expect(early.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'campaignId' });
    const problems = (early.errors?.[0].extensions?.problems as { message: string }[]).map((p) => p.message).join('\n');
    expect(problems).toMatch(/no significant winner: A and B convert at the same rate/);
    expect(problems).toMatch(/A is not significantly better than CONTROL/);
    expect((await call(CAMPAIGN, { id: campaign.id })).campaign.status).toBe('SENT');

    // Orders as analytics reports them: every 2nd of A converts, every 5th of B, every 10th of the control group;
    // one more A order after the window does not count; a refund counts for nothing.
    const buyers = [...a.filter((_, i) => i % 2 === 0), ...b.filter((_, i) => i % 5 === 0), ...control.filter((_, i) => i % 10 === 0)];
    const order = (contactId: string, at: Date, amount: string, status = 'PLACED') => {
      const orderId = randomUUID();
      return publish(
        nc,
        event(tenant.id, ORDER_RECORDED, orderId, {
          orderId,
          source: 'shop',
          externalOrderId: orderId,
          contactId,
          occurredAt: at.toISOString(),
          amount,
          currency: 'EUR',
          status,
          channel: 'web',
          change: 'CREATED',
        }),
      );
    };
    for (const r of buyers) await order(r.contact_id, new Date((r.touched_at ?? r.assigned_at).getTime() + 3600_000), '40.00');
    await order(a[1].contact_id, new Date(a[1].touched_at!.getTime() + 8 * 86_400_000), '999.00');
    await order(a[3].contact_id, new Date(a[3].touched_at!.getTime() + 3600_000), '-40.00', 'REFUNDED');
    await eventually(
      async () =>
        (await marketingDb(platform).query(`SELECT count(*)::int AS n FROM contact_orders WHERE tenant_id = $1`, [tenant.id]))[0].n,
      (n) => n === buyers.length + 2,
    );

    const results = (await call(RESULTS, { id: campaign.id })).campaignResults;
    const byKey = new Map(results.groups.map((g: { group: string; variantKey: string | null }) => [g.variantKey ?? g.group, g]));
    const [ra, rb, rc] = ['A', 'B', 'CONTROL'].map((k) => byKey.get(k) as Record<string, any>);
    const conv = { A: Math.ceil(a.length / 2), B: Math.ceil(b.length / 5), C: Math.ceil(control.length / 10) };
    expect(ra).toMatchObject({ assigned: a.length, reach: a.length, conversions: conv.A });
    expect(rb).toMatchObject({ assigned: b.length, reach: b.length, conversions: conv.B });
    expect(rc).toMatchObject({ assigned: control.length, reach: control.length, conversions: conv.C, uplift: null, pValue: null });
    const t = expectedTest(conv.A, a.length, conv.C, control.length);
    expect(ra.uplift).toBeCloseTo(t.uplift, 12);
    expect(ra.zScore).toBeCloseTo(t.z, 10);
    expect(ra.pValue).toBeGreaterThan(0);
    expect(ra.pValue).toBeLessThan(0.05);
    // Revenue is exact: 40.00 per credited order; cost 0.05 per message.
    expect(ra.revenue).toEqual({ amount: (conv.A * 40).toFixed(2), currency: 'EUR' });
    expect(ra.cost).toEqual({ amount: (a.length * 0.05).toFixed(2), currency: 'EUR' });
    expect(ra.roi).toBeCloseTo((conv.A * 40 - a.length * 0.05) / (a.length * 0.05), 10);
    expect(rc.cost).toEqual({ amount: '0.00', currency: 'EUR' });
    expect(results.leadingVariant).toBe('A');

    // Incremental revenue: A's revenue less what A's members would have spent at the control group's rate.
    const controlPerMember = (conv.C * 40) / control.length;
    expect(Number(ra.incremental.revenue.amount)).toBeCloseTo(conv.A * 40 - controlPerMember * a.length, 2);
    expect(Number(ra.incremental.revenueLow.amount)).toBeLessThan(Number(ra.incremental.revenue.amount));
    expect(Number(ra.incremental.revenueHigh.amount)).toBeGreaterThan(Number(ra.incremental.revenue.amount));
    expect(ra.incremental.confidenceLevel).toBeCloseTo(0.95, 12);
    expect(ra.incremental.roi).toBeLessThan(ra.roi);
    expect(rc.incremental).toBeNull();

    // The verdict compares the variants with each other as well as with control, Holm-adjusted.
    expect(results.verdict).toMatchObject({ winner: 'A', reasons: [], minimumSampleSize: 33, baselineRate: 0.1 });
    const pairs = new Map(
      results.verdict.comparisons.map((c: { variantKey: string; against: string }) => [`${c.variantKey}-${c.against}`, c]),
    );
    expect([...pairs.keys()].sort()).toEqual(['A-B', 'A-CONTROL', 'B-CONTROL']);
    const ab = pairs.get('A-B') as Record<string, any>;
    expect(ab.difference).toBeCloseTo(conv.A / a.length - conv.B / b.length, 12);
    expect(ab).toMatchObject({ significant: true });
    expect(ab.adjustedPValue).toBeGreaterThanOrEqual(ab.pValue);
    expect(ab.differenceLow).toBeGreaterThan(0);

    // Naming the loser is refused; the significant winner is named in the refusal.
    const wrong = await graphql(
      platform.graphqlUrl,
      ROLL_OUT,
      { id: campaign.id, variantKey: 'B' },
      bearer(await tenant.tokenFor('marketer')),
    );
    expect(wrong.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'variantKey' });
    expect(wrong.errors?.[0].message).toMatch(/the significant winner is A, not B/);

    const stream = `MARKETING_${process.env.NATS_STREAM_SUFFIX}`;
    // The run's MARKETING stream is shared by every spec: only this tenant's events count here.
    const ours = <T extends { tenantId: string }>(events: T[]) => events.filter((e) => e.tenantId === tenant.id);
    const attributed = ours(
      await probe.waitFor(
        stream,
        `${process.env.NATS_SUBJECT_PREFIX}.marketing.conversion.attributed`,
        (e) => ours(e).length >= buyers.length * 2,
      ),
    );
    expect(attributed).toHaveLength(buyers.length * 2);
    expect(new Set(attributed.map((e) => `${e.subjectId}:${(e.data as { model: string }).model}`)).size).toBe(buyers.length * 2);
    expect(attributed.filter((e) => (e.data as { group: string }).group === 'CONTROL')).toHaveLength(conv.C * 2);

    sink.reset();
    const rolled = (await call(ROLL_OUT, { id: campaign.id })).rollOutWinner;
    expect(rolled).toMatchObject({ variantKey: 'A', recipients: held.length, campaign: { winnerOverridden: false } });
    await eventually(
      async () => (await call(CAMPAIGN, { id: campaign.id })).campaign.status,
      (s) => s === 'SENT',
      30_000,
    );
    const mails = await sink.waitForMessages(held.length, 15_000);
    expect(mails.every((m) => m.parsed.subject === 'A')).toBe(true);
    expect(new Set(mails.map((m) => m.envelope.to[0])).size).toBe(held.length);
    const again = await graphql(platform.graphqlUrl, ROLL_OUT, { id: campaign.id }, bearer(await tenant.tokenFor('marketer')));
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });
});
