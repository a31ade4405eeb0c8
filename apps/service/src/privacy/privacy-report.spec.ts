import { buildArchive, downloadPath, missingServices, statusAfter, validDownload } from './privacy-report';

describe('data-subject request reports', () => {
  it('names every service that has not answered', () => {
    expect(missingServices(['sales', 'identity'])).toEqual(['service', 'analytics', 'marketing']);
    expect(missingServices(['sales', 'service', 'analytics', 'marketing', 'identity'])).toEqual([]);
  });

  it('is pending before the deadline, incomplete after it, complete only with every answer', () => {
    expect(statusAfter(['sales'], false)).toBe('PENDING');
    expect(statusAfter(['sales'], true)).toBe('INCOMPLETE');
    expect(statusAfter(['sales', 'service', 'analytics', 'marketing', 'identity'], true)).toBe('COMPLETED');
  });

  it('builds a manifest with each service’s document and the missing ones', () => {
    const archive = buildArchive(
      { id: 'r', contactId: 'c', recordIds: ['c', 'd'], requestedAt: new Date('2026-01-01T00:00:00Z') },
      [{ service: 'sales', counts: { contacts: 2 }, tables: { contacts: [{ id: 'c' }, { id: 'd' }] } }],
      new Date('2026-01-01T00:01:00Z'),
    );
    expect(archive.manifest).toMatchObject({
      services: [{ service: 'sales', document: 'services.sales', tables: { contacts: 2 } }],
      missingServices: ['service', 'analytics', 'marketing', 'identity'],
    });
    expect(archive.services.sales.tables.contacts).toHaveLength(2);
  });

  describe('download links', () => {
    const expiresAt = new Date('2026-01-02T00:00:00Z');
    const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams) as { expires: string; signature: string };
    const link = query(downloadPath('r', 'secret', expiresAt));
    const before = new Date('2026-01-01T00:00:00Z');

    it('accepts its own link before it expires', () => expect(validDownload('secret', 'r', expiresAt, link, before)).toBe(true));
    it('refuses it once expired', () => expect(validDownload('secret', 'r', expiresAt, link, expiresAt)).toBe(false));
    it('refuses another export’s link or a changed expiry', () => {
      expect(validDownload('secret', 'other', expiresAt, link, before)).toBe(false);
      expect(validDownload('secret', 'r', expiresAt, { ...link, expires: String(Number(link.expires) + 60) }, before)).toBe(false);
      expect(validDownload('another-secret', 'r', expiresAt, link, before)).toBe(false);
    });
  });
});
