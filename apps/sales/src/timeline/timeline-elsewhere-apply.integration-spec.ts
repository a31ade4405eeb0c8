import { randomUUID } from 'node:crypto';
import {
  CASE_ASSIGNED,
  CASE_DELETED,
  CASE_OPENED,
  ORDER_RECORDED,
  type CaseSnapshotV1,
  type EventEnvelope,
  type OrderRecordedDataV1,
} from '@rapport/contracts';
import { TenantDatabase } from '@rapport/persistence';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { v7 as uuidv7 } from 'uuid';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { salesDefinition } from '../sales.definition';
import { applyElsewhereEvents } from './timeline-elsewhere-apply';

const ENV = { DB_SCHEMA_SUFFIX: `tle_${process.env.RAPPORT_TEST_RUN_ID}` };

interface Row {
  subject_type: string;
  subject_id: string;
  kind: string;
  ref_id: string;
  ref_owner_id: string | null;
  withdrawn: boolean;
  summary: string;
}

/**
 * A consumer batch of other services' events is applied as its events one
 * after the other would be: an order's line once (from its first event that
 * names the customer, in the table or earlier in the batch), on the contact
 * and the contact's account; a case's owner change and deletion reach the
 * entries recorded before them in the same batch.
 */
describe('timeline entries from a batch of other services’ events', () => {
  let sales: StartedService;
  const tenantId = randomUUID();
  const manager = userPrincipal(tenantId, ['sales_manager']);
  let contactId: string;
  let loneContactId: string;
  let accountId: string;

  const envelope = <D>(type: string, subjectId: string, data: D): EventEnvelope =>
    ({
      id: uuidv7(),
      type,
      version: 1,
      tenantId,
      occurredAt: new Date().toISOString(),
      actor: { kind: 'system', id: null },
      subjectId,
      data,
    }) as EventEnvelope;
  const order = (orderId: string, change: 'CREATED' | 'UPDATED', contact: string | null, amount = '10.00') =>
    envelope<OrderRecordedDataV1>(ORDER_RECORDED, orderId, {
      orderId,
      source: 'shop',
      externalOrderId: `X-${orderId.slice(-6)}`,
      contactId: contact,
      occurredAt: '2026-11-01T10:00:00.000Z',
      amount,
      currency: 'EUR',
      status: 'PLACED',
      channel: null,
      change,
    });
  const caseSnapshot = (id: string): CaseSnapshotV1 =>
    ({
      id,
      contactId,
      accountId: null,
      subject: 'Broken',
      ownerId: null,
      createdAt: '2026-11-02T10:00:00.000Z',
      updatedAt: '2026-11-02T10:00:00.000Z',
    }) as unknown as CaseSnapshotV1;

  const apply = (events: EventEnvelope[]) =>
    sales.app.get(TenantDatabase).withTenant(tenantId, (em) => applyElsewhereEvents(em, tenantId, events));
  const rowsOf = (refId: string): Promise<Row[]> =>
    sales.app
      .get(TenantDatabase)
      .withTenant(tenantId, (em) =>
        em.query(
          `SELECT subject_type, subject_id, kind, ref_id, ref_owner_id, withdrawn, summary FROM timeline_entries WHERE ref_id = $1 ORDER BY subject_type`,
          [refId],
        ),
      );

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, ENV);
    accountId = (await sales.app.get(AccountsService).create(manager, { name: 'Batch Timeline Ltd' })).id;
    contactId = (await sales.app.get(ContactsService).create(manager, { firstName: 'Bea', lastName: 'Batch', accountId })).id;
    loneContactId = (await sales.app.get(ContactsService).create(manager, { firstName: 'Lou', lastName: 'Lone' })).id;
  });

  afterAll(() => sales?.close());

  it('records each order once, on the contact and its account, whichever event first names the customer', async () => {
    const placed = randomUUID();
    const matchedLater = randomUUID();
    const alreadyThere = randomUUID();
    const guest = randomUUID();
    const lone = randomUUID();
    await apply([order(alreadyThere, 'CREATED', contactId)]);

    await apply([
      order(placed, 'CREATED', contactId),
      order(placed, 'UPDATED', contactId, '12.00'),
      order(matchedLater, 'CREATED', null),
      order(matchedLater, 'UPDATED', contactId),
      order(matchedLater, 'UPDATED', contactId, '11.00'),
      order(alreadyThere, 'UPDATED', contactId, '9.00'),
      order(guest, 'CREATED', null),
      order(lone, 'CREATED', loneContactId),
    ]);

    for (const ref of [placed, matchedLater, alreadyThere]) {
      const rows = await rowsOf(ref);
      expect(rows.map((r) => [r.subject_type, r.subject_id])).toEqual([
        ['ACCOUNT', accountId],
        ['CONTACT', contactId],
      ]);
    }
    // The line keeps the first version's figures: later versions never rewrite it.
    expect((await rowsOf(placed))[0].summary).toContain('10.00 EUR');
    expect((await rowsOf(matchedLater))[0].summary).toContain('10.00 EUR');
    expect(await rowsOf(guest)).toEqual([]);
    expect((await rowsOf(lone)).map((r) => [r.subject_type, r.subject_id])).toEqual([['CONTACT', loneContactId]]);
  });

  it('applies an owner change and a deletion to the entries recorded before them in the batch', async () => {
    const owned = randomUUID();
    const deleted = randomUUID();
    const later = randomUUID();
    const ownerId = randomUUID();
    await apply([
      envelope(CASE_OPENED, owned, { case: caseSnapshot(owned) }),
      envelope(CASE_OPENED, deleted, { case: caseSnapshot(deleted) }),
      envelope(CASE_ASSIGNED, owned, { caseId: owned, ownerId }),
      envelope(CASE_DELETED, deleted, { id: deleted }),
      envelope(CASE_OPENED, later, { case: caseSnapshot(later) }),
    ]);

    expect((await rowsOf(owned)).map((r) => [r.subject_type, r.ref_owner_id])).toEqual([
      ['ACCOUNT', ownerId],
      ['CONTACT', ownerId],
    ]);
    expect((await rowsOf(deleted)).map((r) => r.withdrawn)).toEqual([true, true]);
    expect((await rowsOf(later)).map((r) => [r.subject_type, r.withdrawn, r.ref_owner_id])).toEqual([
      ['ACCOUNT', false, null],
      ['CONTACT', false, null],
    ]);
  });
});
