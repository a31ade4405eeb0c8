import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import {
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  SYSTEM_ACTOR,
  type ContactSnapshotV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import type { OrderInput } from '../orders/order-input';
import { OrdersService } from '../orders/orders.service';

/** `sales.contact.unmerged`: undoing a merge in the projection, fed over NATS as in production. */
describe('analytics: contact unmerge', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let ds: DataSource;
  let orders: OrdersService;
  const tenantId = randomUUID();
  const prefix = process.env.NATS_SUBJECT_PREFIX;
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition);
    nc = await connect({ servers: process.env.NATS_URL });
    ds = analytics.app.get(DataSource);
    orders = analytics.app.get(OrdersService);
  });

  afterAll(async () => {
    await nc?.close();
    await analytics?.close();
  });

  const yesterday = new Date(Date.now() - 86_400_000);
  const order = (externalOrderId: string, customer: Pick<OrderInput, 'externalCustomer' | 'contactId'>): OrderInput => ({
    source: 'shop',
    externalOrderId,
    occurredAt: yesterday,
    amount: '10.00',
    currency: 'EUR',
    externalCustomer: null,
    ...customer,
  });
  const byContact = (contactId: string) => ({ externalCustomer: null, contactId });
  const byKey = (key: string) => ({ externalCustomer: { source: 'erp', key } });

  /** Owner connection (bypasses RLS) for assertions only; always filtered by tenant. */
  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);
  /** external order id → resolved contact, for the orders whose id starts with `like`. */
  const resolved = async (like: string): Promise<Record<string, string | null>> =>
    Object.fromEntries(
      (await rows(`SELECT external_order_id, contact_id FROM orders WHERE tenant_id = $1 AND external_order_id LIKE $2`, [`${like}%`])).map(
        (r: { external_order_id: string; contact_id: string | null }) => [r.external_order_id, r.contact_id],
      ),
    );
  const mergedInto = async (id: string) =>
    (await rows(`SELECT merged_into FROM contacts WHERE tenant_id = $1 AND id = $2`, [id]))[0]?.merged_into as string | null | undefined;

  const eventually = eventuallyWithin({ timeoutMs: 8000 });

  /** Publishes an envelope; a new message id each time, so a re-publish is a redelivery JetStream does not drop. */
  async function send(event: EventEnvelope): Promise<void> {
    await nc.jetstream().publish(`${prefix}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: randomUUID() });
  }
  async function publish(type: string, subjectId: string, data: unknown): Promise<EventEnvelope> {
    const event = newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data }) as EventEnvelope;
    await send(event);
    return event;
  }

  const contactEvent = (type: string, id: string, keys: string[]) => {
    const now = new Date().toISOString();
    const contact: ContactSnapshotV1 = {
      id,
      accountId: null,
      ownerId: null,
      firstName: null,
      lastName: 'Test',
      emails: [],
      phones: [],
      externalIds: keys.map((key) => ({ source: 'erp', key })),
      createdAt: now,
      updatedAt: now,
    };
    return publish(type, id, type === CONTACT_UPDATED ? { contact, changed: ['externalIds'] } : { contact });
  };
  const contactCreated = (id: string, keys: string[]) => contactEvent(CONTACT_CREATED, id, keys);
  /** The contact consumer handles events one at a time in stream order: once a later contact shows up, everything before it ran. */
  async function drained(): Promise<void> {
    const marker = randomUUID();
    await contactCreated(marker, []);
    await eventually(
      () => mergedInto(marker),
      (v) => v === null,
    );
  }
  async function created(...ids: string[]): Promise<void> {
    await eventually(
      () => rows(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [ids]),
      (r) => r.length === ids.length,
    );
  }

  it('merge then unmerge resolves every order exactly as before the merge, and rescores the restored contact', async () => {
    const survivor = randomUUID();
    const merged = randomUUID();
    const neverSeen = randomUUID(); // merged, but its creation never reached analytics
    await contactCreated(survivor, ['U-S']);
    await contactCreated(merged, ['U-M']);
    await created(survivor, merged);
    await orders.record(admin, {
      orders: [
        order('UM-1', byKey('U-M')),
        order('UM-2', byContact(merged)),
        order('UM-3', byKey('U-S')),
        order('UM-4', byContact(survivor)),
        order('UM-5', byContact(neverSeen)),
        order('UM-6', byKey('U-unknown')),
      ],
    });
    const before = await resolved('UM-');
    expect(before).toEqual({ 'UM-1': merged, 'UM-2': merged, 'UM-3': survivor, 'UM-4': survivor, 'UM-5': null, 'UM-6': null });
    await eventually(
      () => rows(`SELECT contact_id FROM rfm_scores WHERE tenant_id = $1 AND contact_id = $2`, [merged]),
      (r) => r.length === 1,
    );

    const mergeId = randomUUID();
    await publish(CONTACT_MERGED, survivor, { survivorId: survivor, mergedIds: [merged, neverSeen], mergeId });
    await eventually(
      () => resolved('UM-'),
      (r) => r['UM-1'] === survivor && r['UM-2'] === survivor && r['UM-5'] === survivor,
    );
    // The recompute the merge asked for drops the merged contact's scores.
    await eventually(
      () => rows(`SELECT 1 FROM rfm_scores WHERE tenant_id = $1 AND contact_id = $2`, [merged]),
      (r) => r.length === 0,
    );
    // Recorded while merged: they count for the survivor now, for the restored contact after the unmerge.
    const during = await orders.record(admin, { orders: [order('UM-7', byKey('U-M')), order('UM-8', byContact(merged))] });
    expect(during.results.map((r) => r.contactId)).toEqual([survivor, survivor]);

    await publish(CONTACT_UNMERGED, survivor, { survivorId: survivor, restoredIds: [merged, neverSeen], mergeId });
    const after = await eventually(
      () => resolved('UM-'),
      (r) => r['UM-1'] === merged,
    );
    expect(after).toEqual({ ...before, 'UM-7': merged, 'UM-8': merged });
    expect(await mergedInto(merged)).toBeNull();
    expect(await mergedInto(neverSeen)).toBeUndefined();
    const next = await orders.record(admin, { orders: [order('UM-9', byKey('U-M')), order('UM-10', byContact(merged))] });
    expect(next.results.map((r) => r.contactId)).toEqual([merged, merged]);

    // The follow-up recompute scores the restored contact again on its own orders, and the survivor on its own.
    await eventually(
      () =>
        rows(`SELECT contact_id, frequency FROM rfm_scores WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY frequency`, [
          [survivor, merged],
        ]),
      (r) => r.length === 2 && r[0].contact_id === survivor && r[0].frequency === 2 && r[1].frequency >= 4,
    );
  });

  it('nested merges unwind one at a time: B → A, A → C, undo A → C leaves B with A; undo B → A returns B its orders', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await contactCreated(a, ['NE-A']);
    await contactCreated(b, ['NE-B']);
    await contactCreated(c, ['NE-C']);
    await created(a, b, c);
    await orders.record(admin, {
      orders: [order('NE-1', byContact(b)), order('NE-2', byKey('NE-B')), order('NE-3', byContact(a)), order('NE-4', byContact(c))],
    });
    const ab = randomUUID();
    const ac = randomUUID();
    await publish(CONTACT_MERGED, a, { survivorId: a, mergedIds: [b], mergeId: ab });
    await publish(CONTACT_MERGED, c, { survivorId: c, mergedIds: [a], mergeId: ac });
    await eventually(
      () => resolved('NE-'),
      (r) => Object.values(r).every((id) => id === c),
    );

    await publish(CONTACT_UNMERGED, c, { survivorId: c, restoredIds: [a], mergeId: ac });
    const afterAc = await eventually(
      () => resolved('NE-'),
      (r) => r['NE-3'] === a,
    );
    expect(afterAc).toEqual({ 'NE-1': a, 'NE-2': a, 'NE-3': a, 'NE-4': c });
    expect(await mergedInto(b)).toBe(a);

    await publish(CONTACT_UNMERGED, a, { survivorId: a, restoredIds: [b], mergeId: ab });
    const afterAb = await eventually(
      () => resolved('NE-'),
      (r) => r['NE-1'] === b,
    );
    expect(afterAb).toEqual({ 'NE-1': b, 'NE-2': b, 'NE-3': a, 'NE-4': c });
    expect(await mergedInto(b)).toBeNull();
  });

  it('nested merges unwound inner first: undo B → A while A is still merged into C returns B its orders, A stays with C', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await contactCreated(a, []);
    await contactCreated(b, []);
    await contactCreated(c, []);
    await created(a, b, c);
    await orders.record(admin, { orders: [order('NI-1', byContact(b)), order('NI-2', byContact(a))] });
    const ab = randomUUID();
    await publish(CONTACT_MERGED, a, { survivorId: a, mergedIds: [b], mergeId: ab });
    await publish(CONTACT_MERGED, c, { survivorId: c, mergedIds: [a], mergeId: randomUUID() });
    await eventually(
      () => resolved('NI-'),
      (r) => r['NI-1'] === c && r['NI-2'] === c,
    );
    await publish(CONTACT_UNMERGED, a, { survivorId: a, restoredIds: [b], mergeId: ab });
    await eventually(
      () => resolved('NI-'),
      (r) => r['NI-1'] === b,
    );
    expect(await resolved('NI-')).toEqual({ 'NI-1': b, 'NI-2': c });
    expect(await mergedInto(a)).toBe(c);
  });

  it('an unmerge for a merge analytics never saw changes nothing', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const c = randomUUID();
    const stranger = randomUUID();
    await contactCreated(a, ['N-A']);
    await contactCreated(b, ['N-B']);
    await contactCreated(c, ['N-C']);
    await created(a, b, c);
    await orders.record(admin, {
      orders: [order('NM-1', byKey('N-B')), order('NM-2', byContact(b)), order('NM-3', byKey('N-A')), order('NM-4', byKey('N-C'))],
    });
    // c was merged into a; b never was.
    await publish(CONTACT_MERGED, a, { survivorId: a, mergedIds: [c], mergeId: randomUUID() });
    await eventually(
      () => resolved('NM-4'),
      (r) => r['NM-4'] === a,
    );
    const before = await resolved('NM-');
    const projected = () =>
      rows(
        `SELECT id, merged_into, sales_updated_at, projected_at FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id`,
        [[a, b, c, stranger]],
      );
    const contactsBefore = await projected();

    await publish(CONTACT_UNMERGED, a, { survivorId: a, restoredIds: [b, stranger], mergeId: randomUUID() });
    // c is merged into a, not into b: an unmerge naming b as survivor is not the merge analytics saw.
    await publish(CONTACT_UNMERGED, b, { survivorId: b, restoredIds: [c], mergeId: randomUUID() });
    await drained();

    expect(await resolved('NM-')).toEqual(before);
    expect(await projected()).toEqual(contactsBefore);
    expect(await mergedInto(c)).toBe(a);
    expect(await mergedInto(stranger)).toBeUndefined();
  });

  it('applies a redelivered unmerge once: it does not undo a later merge of the same contacts', async () => {
    const survivor = randomUUID();
    const merged = randomUUID();
    await contactCreated(survivor, ['R-S']);
    await contactCreated(merged, ['R-M']);
    await created(survivor, merged);
    await orders.record(admin, { orders: [order('RM-1', byKey('R-M')), order('RM-2', byContact(merged))] });

    const firstMerge = randomUUID();
    await publish(CONTACT_MERGED, survivor, { survivorId: survivor, mergedIds: [merged], mergeId: firstMerge });
    await eventually(
      () => mergedInto(merged),
      (v) => v === survivor,
    );
    const unmerge = await publish(CONTACT_UNMERGED, survivor, { survivorId: survivor, restoredIds: [merged], mergeId: firstMerge });
    await eventually(
      () => resolved('RM-'),
      (r) => r['RM-1'] === merged && r['RM-2'] === merged,
    );
    // Merged again; then the first unmerge is delivered a second time (same event id).
    await publish(CONTACT_MERGED, survivor, { survivorId: survivor, mergedIds: [merged], mergeId: randomUUID() });
    await eventually(
      () => resolved('RM-'),
      (r) => r['RM-1'] === survivor && r['RM-2'] === survivor,
    );
    await send(unmerge);
    await drained();

    expect(await mergedInto(merged)).toBe(survivor);
    expect(await resolved('RM-')).toEqual({ 'RM-1': survivor, 'RM-2': survivor });
    expect(await rows(`SELECT count(*)::int AS n FROM inbox WHERE tenant_id = $1 AND event_id = $2`, [unmerge.id])).toEqual([{ n: 1 }]);
  });

  it('ends where it started through the events sales publishes (external ids move to the survivor and back)', async () => {
    const survivor = randomUUID();
    const merged = randomUUID();
    await contactCreated(survivor, ['F-S']);
    await contactCreated(merged, ['F-M']);
    await created(survivor, merged);
    await orders.record(admin, {
      orders: [order('FM-1', byKey('F-M')), order('FM-2', byContact(merged)), order('FM-3', byKey('F-S'))],
    });
    const before = await resolved('FM-');
    expect(before).toEqual({ 'FM-1': merged, 'FM-2': merged, 'FM-3': survivor });

    // merge: the merged event, then the survivor's snapshot holding both contacts' external ids.
    const mergeId = randomUUID();
    await publish(CONTACT_MERGED, survivor, { survivorId: survivor, mergedIds: [merged], mergeId });
    await contactEvent(CONTACT_UPDATED, survivor, ['F-M', 'F-S']);
    await drained();
    expect(await resolved('FM-')).toEqual({ 'FM-1': survivor, 'FM-2': survivor, 'FM-3': survivor });

    // unmerge: the unmerged event, then the restored snapshots of the survivor and the merged contact.
    await publish(CONTACT_UNMERGED, survivor, { survivorId: survivor, restoredIds: [merged], mergeId });
    await contactEvent(CONTACT_UPDATED, survivor, ['F-S']);
    await contactEvent(CONTACT_UPDATED, merged, ['F-M']);
    await drained();
    expect(await resolved('FM-')).toEqual(before);
    expect(await rows(`SELECT key, contact_id FROM contact_external_ids WHERE tenant_id = $1 AND key LIKE 'F-%' ORDER BY key`)).toEqual([
      { key: 'F-M', contact_id: merged },
      { key: 'F-S', contact_id: survivor },
    ]);
  });
});
