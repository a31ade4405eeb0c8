import { randomBytes } from 'node:crypto';
import { CASE_RESYNCED, CONTACT_RESYNCED, type EventEnvelope } from '@rapport/contracts';
import type { DataKey, PersonalKeySource } from './personal-keys';
import { openPersonal, sealPersonal } from './personal-sealing';
import { closesResync } from './resync';

class MapKeys implements PersonalKeySource {
  private readonly keys = new Map<string, DataKey>();
  async keyFor(id: string) {
    const found = this.keys.get(id) ?? { key: randomBytes(32), revision: this.keys.size + 1 };
    this.keys.set(id, found);
    return found;
  }
  async find(id: string) {
    return this.keys.get(id) ?? null;
  }
}

const tenantId = '0190f0f0-0000-7000-8000-00000000000a';
const contactId = '0190f0f0-0000-7000-8000-00000000000c';
const envelope = (type: string, data: unknown): EventEnvelope => ({
  id: '0190f0f0-0000-7000-8000-0000000000e1',
  type,
  version: 1,
  tenantId,
  occurredAt: '2026-12-06T00:00:00.000Z',
  actor: { kind: 'system', id: null },
  subjectId: contactId,
  data,
});

describe('resynced events', () => {
  it('seal a contact like sales.contact.updated, keep their own type, and open again with the key', async () => {
    const keys = new MapKeys();
    const contact = { id: contactId, firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@x.test'], phones: [], externalIds: [] };
    const sealed = await sealPersonal(envelope(CONTACT_RESYNCED, { contact, resyncId: 'r1' }), keys);
    expect(sealed.type).toBe(CONTACT_RESYNCED);
    expect(sealed.personal?.keyId).toBe(`${tenantId}.${contactId}`);
    expect(JSON.stringify(sealed.data)).not.toMatch(/Lovelace|ada@x\.test/);
    expect((await openPersonal(sealed, keys)).data).toEqual({ contact, resyncId: 'r1' });
  });

  it("seal a case's subject under its contact's key", async () => {
    const sealed = await sealPersonal(
      envelope(CASE_RESYNCED, { case: { id: 'c1', contactId, subject: 'Broken again' }, resyncId: 'r1' }),
      new MapKeys(),
    );
    expect(sealed.type).toBe(CASE_RESYNCED);
    expect(JSON.stringify(sealed.data)).not.toContain('Broken again');
  });

  it('leave other types to their own personal fields', async () => {
    const plain = envelope('sales.resync.completed', { resyncId: 'r1', published: { contact: 1 } });
    expect(await sealPersonal(plain, new MapKeys())).toEqual(plain);
  });

  it('end at the marker of the same resync of the same service only', () => {
    const marker = envelope('sales.resync.completed', { resyncId: 'r1', published: {} });
    expect(closesResync(marker, 'sales', 'r1')).toBe(true);
    expect(closesResync(marker, 'sales', 'r2')).toBe(false);
    expect(closesResync(marker, 'service', 'r1')).toBe(false);
    expect(closesResync(envelope(CONTACT_RESYNCED, { resyncId: 'r1' }), 'sales', 'r1')).toBe(false);
  });
});
