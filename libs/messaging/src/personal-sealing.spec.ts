import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import type { DataKey, PersonalKeySource } from './personal-keys';
import { needsSealing, openPersonal, sealPersonal, withPersonalErased } from './personal-sealing';

/** Keys in a map: what PersonalKeys does with a KV bucket (revisions count up across records, as stream sequences do). */
class MapKeys implements PersonalKeySource {
  readonly keys = new Map<string, DataKey>();
  private revision = 0;
  async keyFor(id: string) {
    const found = this.keys.get(id);
    if (found) return found;
    const made = { key: randomBytes(32), revision: ++this.revision };
    this.keys.set(id, made);
    return made;
  }
  async find(id: string) {
    return this.keys.get(id) ?? null;
  }
}

const tenantId = '0190f0f0-0000-7000-8000-00000000000a';
const contactId = '0190f0f0-0000-7000-8000-00000000000c';

function contactCreated(): EventEnvelope {
  return {
    id: '0190f0f0-0000-7000-8000-0000000000e1',
    type: 'sales.contact.created',
    version: 1,
    tenantId,
    occurredAt: '2026-12-06T00:00:00.000Z',
    actor: { kind: 'system', id: null },
    subjectId: contactId,
    data: {
      contact: {
        id: contactId,
        accountId: null,
        ownerId: null,
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: ['ada@example.test'],
        phones: ['+441234'],
        externalIds: [{ source: 'shop', key: 'ada-1' }],
        createdAt: '2026-12-06T00:00:00.000Z',
        updatedAt: '2026-12-06T00:00:00.000Z',
      },
    },
  };
}

describe('crypto-shredding of event payloads', () => {
  it('seals a contact’s personal fields under the record’s key and opens them again', async () => {
    const keys = new MapKeys();
    const event = contactCreated();
    const sealed = await sealPersonal(event, keys);
    const wire = JSON.stringify(sealed);
    for (const value of ['Ada', 'Lovelace', 'ada@example.test', '+441234', 'ada-1']) expect(wire).not.toContain(value);
    expect(sealed.personal!.keyId).toBe(`${tenantId}.${contactId}`);
    expect((sealed.data as { contact: { id: string } }).contact.id).toBe(contactId);
    expect(await openPersonal(sealed, keys)).toEqual(event);
    // The outbox's copy is not changed in place.
    expect((event.data as { contact: { lastName: string } }).contact.lastName).toBe('Lovelace');
  });

  it('reads as erased, ids intact, once the key is destroyed', async () => {
    const keys = new MapKeys();
    const sealed = await sealPersonal(contactCreated(), keys);
    keys.keys.clear();
    const opened = await openPersonal(sealed, keys);
    expect(opened.personal).toBeUndefined();
    expect((opened.data as { contact: unknown }).contact).toMatchObject({
      id: contactId,
      firstName: null,
      lastName: '[erased]',
      emails: [],
      phones: [],
      externalIds: [],
    });
  });

  it('reads as erased when the record was written again after the erasure, under a new key', async () => {
    const keys = new MapKeys();
    const before = await sealPersonal(contactCreated(), keys);
    keys.keys.clear();
    const after = await sealPersonal(contactCreated(), keys);
    expect(((await openPersonal(before, keys)).data as { contact: { lastName: string } }).contact.lastName).toBe('[erased]');
    expect(((await openPersonal(after, keys)).data as { contact: { lastName: string } }).contact.lastName).toBe('Lovelace');
  });

  it('passes events without personal fields, or naming no one, unchanged', async () => {
    const keys = new MapKeys();
    const merged = { ...contactCreated(), type: 'sales.contact.merged', data: { survivorId: contactId, mergedIds: [] } };
    expect(await sealPersonal(merged, keys)).toBe(merged);
    const anonymousCase = { ...contactCreated(), type: 'service.case.opened', data: { case: { id: 'x', contactId: null, subject: 'Hi' } } };
    expect(await sealPersonal(anonymousCase, keys)).toBe(anonymousCase);
    expect(keys.keys.size).toBe(0);
  });

  it('refuses a tampered payload rather than returning wrong data', async () => {
    const keys = new MapKeys();
    const sealed = await sealPersonal(contactCreated(), keys);
    const data = Buffer.from(sealed.personal!.data, 'base64');
    data[0] ^= 1;
    await expect(openPersonal({ ...sealed, personal: { ...sealed.personal!, data: data.toString('base64') } }, keys)).rejects.toThrow();
  });

  it('tells which messages still hold personal values readable, and what they read as once erased (reseal, ADR 052)', async () => {
    const keys = new MapKeys();
    const plain = contactCreated();
    expect(needsSealing(plain)).toBe(true);
    expect(needsSealing(await sealPersonal(plain, keys))).toBe(false);
    const erased = withPersonalErased(plain);
    expect(needsSealing(erased)).toBe(false);
    expect((erased.data as { contact: unknown }).contact).toMatchObject({
      firstName: null,
      lastName: '[erased]',
      emails: [],
      phones: [],
      externalIds: [],
    });
    expect(erased.personal).toBeUndefined();
    expect(JSON.stringify(erased)).not.toContain('Lovelace');
    // A lead is sealed under its own id; a shop's cart under a digest of the external customer id.
    const lead = {
      ...plain,
      type: 'sales.lead.created',
      data: { lead: { id: 'lead-1', firstName: 'Ada', lastName: 'Lovelace', company: 'Engines', email: 'ada@example.test', phone: null } },
    };
    const sealedLead = await sealPersonal(lead, keys);
    expect(sealedLead.personal!.keyId).toBe(`${tenantId}.lead-1`);
    expect(JSON.stringify(sealedLead)).not.toMatch(/Ada|Lovelace|Engines|ada@example/);
    expect(await openPersonal(sealedLead, keys)).toEqual(lead);
    const cart = {
      ...plain,
      type: 'commerce.cart.abandoned',
      data: { source: 'shop', externalCustomer: { source: 'shop', key: 'ada-1' }, cartId: 'c' },
    };
    const sealedCart = await sealPersonal(cart, keys);
    expect(sealedCart.personal!.keyId).toMatch(new RegExp(`^${tenantId}\\.ext-[0-9a-f]{40}$`));
    expect(JSON.stringify(sealedCart)).not.toContain('ada-1');
    expect(await openPersonal(sealedCart, keys)).toEqual(cart);
  });
});
