import { userPrincipal } from '@rapport/testing';
import type { EventEnvelope } from '@rapport/contracts';
import { SUBSCRIPTION_FIELDS } from './subscription-fields';
import { SubscriptionHub } from './subscription-hub';

const event = (type: string, subjectId: string, data: unknown, tenantId = 'tenant-a'): EventEnvelope => ({
  id: `e-${Math.random()}`,
  type,
  version: 1,
  tenantId,
  occurredAt: '2026-12-06T10:00:00.000Z',
  actor: { kind: 'system', id: null },
  subjectId,
  data,
});

const snapshot = (queueId: string | null, contactId: string | null) => ({ case: { id: 'k-1', queueId, contactId } });
const { contactChanged, caseUpdated, customerValueChanged, myNotifications } = SUBSCRIPTION_FIELDS;

describe('subscription routing', () => {
  it('routes a contact update to that contact’s subscribers of the same tenant only', () => {
    const hub = new SubscriptionHub();
    const heard: string[] = [];
    const listen = (name: string, tenantId: string, id: string) =>
      hub.listen(contactChanged.keyOf(userPrincipal(tenantId, ['admin']), { id }), { onEvent: () => heard.push(name) });
    listen('same', 'tenant-a', 'c-1');
    listen('other contact', 'tenant-a', 'c-2');
    listen('other tenant', 'tenant-b', 'c-1');
    expect(hub.deliver(event('sales.contact.updated', 'c-1', {}))).toBe(1);
    expect(heard).toEqual(['same']);
  });

  it('reaches the survivor and the merged contacts of a merge, and those given back by an unmerge', () => {
    expect(contactChanged.keysOf(event('sales.contact.merged', 's', { survivorId: 's', mergedIds: ['m1', 'm2'] }))).toEqual([
      'contact:tenant-a:s',
      'contact:tenant-a:m1',
      'contact:tenant-a:m2',
    ]);
    expect(contactChanged.keysOf(event('sales.contact.unmerged', 's', { survivorId: 's', restoredIds: ['r'], mergeId: 'x' }))).toEqual([
      'contact:tenant-a:s',
      'contact:tenant-a:r',
    ]);
    expect(contactChanged.keysOf(event('sales.contact.created', 'c', {}))).toEqual([]);
  });

  it('routes value changes by the contact in the data, and notifications to their recipient only', () => {
    expect(customerValueChanged.keysOf(event('analytics.customer.value_changed', 'c-1', { contactId: 'c-1' }))).toEqual([
      'value:tenant-a:c-1',
    ]);
    const created = event('service.notification.created', 'n-1', { notification: { id: 'n-1', recipientId: 'u-1' } });
    expect(myNotifications.keysOf(created)).toEqual(['notification:tenant-a:u-1']);
    expect(myNotifications.keyOf(userPrincipal('tenant-a', ['admin'], 'u-1'), {})).toBe('notification:tenant-a:u-1');
    expect(myNotifications.answer(created, {})).toEqual([{ field: 'notification', args: { id: { type: 'ID!', value: 'n-1' } } }]);
  });

  it('refuses myNotifications to API keys and customers', () => {
    expect(myNotifications.refusal(userPrincipal('tenant-a', ['admin']))).toBeNull();
    expect(myNotifications.refusal({ ...userPrincipal('tenant-a', ['admin']), kind: 'apiKey' })).toMatch(/staff/);
    expect(myNotifications.refusal({ ...userPrincipal('tenant-a', ['admin']), kind: 'customer' })).toMatch(/staff/);
  });
});

describe('caseUpdated filter', () => {
  const filter = (queueId?: string, contactId?: string) => ({ filter: { queueId, contactId } });

  it('decides from the event where it names the queue and contact', () => {
    const opened = event('service.case.opened', 'k-1', snapshot('q-1', 'c-1'));
    expect(caseUpdated.concerns(opened, {})).toBe(true);
    expect(caseUpdated.concerns(opened, filter('q-1'))).toBe(true);
    expect(caseUpdated.concerns(opened, filter('q-2'))).toBe(false);
    expect(caseUpdated.concerns(opened, filter('q-1', 'c-2'))).toBe(false);
    expect(caseUpdated.concerns(opened, filter('q-1', 'c-1'))).toBe(true);
  });

  it('counts an escalation for the queue it left and the one it entered', () => {
    const escalated = event('service.case.escalated', 'k-1', { caseId: 'k-1', fromQueueId: 'q-1', toQueueId: 'q-2' });
    expect(caseUpdated.concerns(escalated, filter('q-1'))).toBe(true);
    expect(caseUpdated.concerns(escalated, filter('q-2'))).toBe(true);
    expect(caseUpdated.concerns(escalated, filter('q-3'))).toBe(false);
  });

  it('leaves to the answered case what the event does not say', () => {
    const statusChanged = event('service.case.status_changed', 'k-1', { caseId: 'k-1', from: 'NEW', to: 'OPEN' });
    expect(caseUpdated.concerns(statusChanged, filter('q-1', 'c-1'))).toEqual({ queueId: 'q-1', contactId: 'c-1' });
    const assigned = event('service.case.assigned', 'k-1', { caseId: 'k-1', queueId: 'q-1', ownerId: null });
    expect(caseUpdated.concerns(assigned, filter('q-1', 'c-1'))).toEqual({ contactId: 'c-1' });
    expect(caseUpdated.answer(assigned, {})).toEqual([{ field: 'case', args: { id: { type: 'ID!', value: 'k-1' } } }]);
  });

  it('routes every case event of the tenant, and nothing else', () => {
    expect(caseUpdated.keysOf(event('service.case.sla_warning', 'k-1', {}))).toEqual(['case:tenant-a']);
    expect(caseUpdated.keysOf(event('service.notification.created', 'n', {}))).toEqual([]);
  });
});

describe('SubscriptionHub', () => {
  it('forgets a listener once it stops', () => {
    const hub = new SubscriptionHub();
    const stop = hub.listen('k', { onEvent: () => undefined });
    expect(hub.active).toBe(1);
    stop();
    stop();
    expect(hub.active).toBe(0);
  });
});
