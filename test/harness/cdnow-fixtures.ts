import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCdnowTransactions } from '@rapport/clv';
import { CONTACT_CREATED, SYSTEM_ACTOR, type ContactSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { bearer, graphql } from '@rapport/testing';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import type { Platform } from './platform';

const CDNOW = join(__dirname, '..', '..', 'libs', 'clv', 'src', '__fixtures__', 'cdnow', 'CDNOW_sample.txt');
const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created rejected } }`;

export const DAY = 86_400_000;
/** Midnight UTC today. */
export const today = Math.floor(Date.now() / DAY) * DAY;
/** CDNOW's last day (1998-06-30) becomes yesterday: the data keep their day differences, so a fit is the same every run. */
export const cdnowShift = today - DAY - Date.UTC(1998, 5, 30);
/** The published calibration end (1997-09-30), shifted like the orders. */
export const cdnowCalibrationEnd = new Date(Date.UTC(1997, 8, 30) + cdnowShift);
export const cdnowContactId = (sampleId: string) => `00000000-0000-4000-8000-${sampleId.padStart(12, '0')}`;

export interface OrderInput {
  source: string;
  externalOrderId: string;
  contactId?: string;
  externalCustomer?: { source: string; key: string };
  occurredAt: string;
  amount: string;
  currency: string;
}

/**
 * CDNOW customers 1…`customers` as sales contacts (published on the stream
 * as sales would, so analytics and marketing both project them) and their
 * orders moved to recent dates, recorded through the gateway with
 * `extraOrders`. Returns once analytics knows every contact.
 */
export async function seedCdnowCustomers(
  platform: Platform,
  nc: NatsConnection,
  tenantId: string,
  adminToken: string,
  extraOrders: OrderInput[] = [],
  customers = 300,
): Promise<void> {
  const transactions = parseCdnowTransactions(readFileSync(CDNOW, 'utf8')).filter((t) => Number(t.customerId) <= customers);
  const sampleIds = [...new Set(transactions.map((t) => t.customerId))];
  const ids = sampleIds.map(cdnowContactId);
  const now = new Date().toISOString();
  for (const sampleId of sampleIds) {
    const id = cdnowContactId(sampleId);
    const contact: ContactSnapshotV1 = {
      id,
      accountId: null,
      ownerId: null,
      firstName: null,
      lastName: `Customer ${sampleId}`,
      emails: [],
      phones: [],
      externalIds: [],
      createdAt: now,
      updatedAt: now,
    };
    const event = newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact } });
    await nc
      .jetstream()
      .publish(`${process.env.NATS_SUBJECT_PREFIX}.${CONTACT_CREATED}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }
  const analytics = platform.services.analytics.app.get(DataSource);
  for (const deadline = Date.now() + 30_000; ;) {
    const [{ n }] = await analytics.query(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      tenantId,
      ids,
    ]);
    if (n === ids.length) break;
    if (Date.now() > deadline) throw new Error(`analytics projected ${n} of ${ids.length} CDNOW contacts`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const orders: OrderInput[] = [
    ...transactions.map((t, n) => ({
      source: 'cdnow',
      externalOrderId: `C-${n}`,
      contactId: cdnowContactId(t.customerId),
      occurredAt: new Date(t.at.getTime() + cdnowShift + 12 * 3600_000).toISOString(),
      amount: t.amount.toFixed(2),
      currency: 'USD',
    })),
    ...extraOrders,
  ];
  for (let i = 0; i < orders.length; i += 1000) {
    const res = await graphql(platform.graphqlUrl, RECORD_ORDERS, { input: { orders: orders.slice(i, i + 1000) } }, bearer(adminToken));
    if (res.errors || res.data!.recordOrders.rejected !== 0) throw new Error(`recordOrders: ${JSON.stringify(res.errors ?? res.data)}`);
  }
}

/** Twelve orders of 400.00 USD, 25 days apart up to yesterday: among the CDNOW customers, the tenant's most valuable customer. */
export function topCustomerOrders(customer: { source: string; key: string }): OrderInput[] {
  return Array.from({ length: 12 }, (_, i) => ({
    source: customer.source,
    externalOrderId: `${customer.key}-${i}`,
    externalCustomer: customer,
    occurredAt: new Date(today - (1 + i * 25) * DAY + 10 * 3600_000).toISOString(),
    amount: '400.00',
    currency: 'USD',
  }));
}
