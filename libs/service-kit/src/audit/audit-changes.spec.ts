import { auditChanges } from './audit-changes';
import { defaultAuditObject } from './default-object';

describe('auditChanges', () => {
  it('keeps only the fields that changed, with before and after', () => {
    expect(
      auditChanges({ stage: 'NEW', amount: '1', updatedAt: new Date(1) }, { stage: 'WON', amount: '1', updatedAt: new Date(2) }),
    ).toEqual({
      stage: { before: 'NEW', after: 'WON' },
    });
  });

  it('masks a person’s names and external ids, which an erasure could not take out of the append-only log', () => {
    expect(
      auditChanges({ firstName: null, lastName: 'L' }, { firstName: 'Ada', lastName: 'Lovelace', externalIds: [{ key: 'k' }] }),
    ).toEqual({
      firstName: { before: null, after: '***' },
      lastName: { before: '***', after: '***' },
      externalIds: { before: null, after: '***' },
    });
  });

  it('masks contact details and secrets, but shows that they changed', () => {
    expect(auditChanges({ emails: ['a@x.test'], passwordHash: 'h1' }, { emails: ['b@x.test'], passwordHash: 'h2' })).toEqual({
      emails: { before: '***', after: '***' },
      passwordHash: { before: '***', after: '***' },
    });
    expect(auditChanges(null, { phones: ['+4930123'] })).toEqual({ phones: { before: null, after: '***' } });
  });

  it('is null when nothing changed', () => {
    expect(auditChanges({ a: [1, 2] }, { a: [1, 2] })).toBeNull();
  });
});

describe('defaultAuditObject', () => {
  const id = '0190f0f0-0000-7000-8000-000000000001';
  it('takes the one object of the payload', () => {
    expect(defaultAuditObject({ contact: { id, lastName: 'L' } }, {})).toEqual({ objectType: 'Contact', objectId: id });
  });
  it('falls back to an id among the arguments', () => {
    expect(defaultAuditObject(true, { input: { caseId: id, body: 'x' } })).toEqual({ objectType: 'Case', objectId: id });
    expect(defaultAuditObject(true, { id })).toEqual({ objectType: null, objectId: id });
  });
  it('says nothing when it cannot tell', () => {
    expect(defaultAuditObject('en', { locale: 'en' })).toEqual({ objectType: null, objectId: null });
  });
});
