import type { ParkedEvent } from '@rapport/messaging';
import { parseEventsArgs } from './args';
import { discardLine, parkedTable, replayLine } from './render';

describe('events CLI', () => {
  it('reads the three commands and refuses what would be ambiguous', () => {
    expect(parseEventsArgs(['parked'])).toEqual({ command: 'parked', service: undefined, json: false });
    expect(parseEventsArgs(['parked', '--service', 'sales', '--json'])).toEqual({ command: 'parked', service: 'sales', json: true });
    expect(parseEventsArgs(['replay', 'sales:3', 'sales:4'])).toEqual({ command: 'replay', ids: ['sales:3', 'sales:4'], all: false });
    expect(parseEventsArgs(['replay', '--all', '--service', 'analytics'])).toMatchObject({ all: true, service: 'analytics' });
    expect(parseEventsArgs(['discard', 'sales:3'])).toEqual({ command: 'discard', ids: ['sales:3'] });
    for (const bad of [
      [],
      ['drop'],
      ['replay'],
      ['replay', 'sales:1', '--all'],
      ['replay', 'sales:1', '--service', 'sales'],
      ['discard'],
      ['discard', '--all'],
      ['parked', '--service'],
      ['parked', '--force'],
    ])
      expect(() => parseEventsArgs(bad)).toThrow();
  });

  it('reads resync: a service, a tenant and optionally record types', () => {
    const tenant = '0193A1B2-0000-7000-8000-0000000000AA';
    expect(parseEventsArgs(['resync', '--service', 'sales', '--tenant', tenant])).toEqual({
      command: 'resync',
      service: 'sales',
      tenantId: tenant.toLowerCase(),
      recordTypes: [],
    });
    expect(parseEventsArgs(['resync', '--service', 'service', '--tenant', tenant, '--type', 'case'])).toMatchObject({
      recordTypes: ['case'],
    });
    for (const bad of [
      ['resync'],
      ['resync', '--service', 'sales'],
      ['resync', '--tenant', tenant],
      ['resync', '--service', 'sales', '--tenant', 'acme'],
      ['resync', '--service', 'sales', '--tenant', tenant, '--type'],
      ['resync', '--service', 'sales', '--tenant', tenant, '--all'],
    ])
      expect(() => parseEventsArgs(bad)).toThrow();
  });

  const parked: ParkedEvent = {
    id: 'sales:7',
    service: 'sales',
    consumer: 'sales_identity_users',
    stream: 'IDENTITY',
    subject: 'identity.user.created',
    streamSeq: 42,
    publishedAt: '2026-12-06T05:00:00.000Z',
    parkedAt: '2026-12-06T06:00:00.000Z',
    attempts: 13,
    error: 'connect ECONNREFUSED\n  127.0.0.1:5432',
    envelope: {
      id: '0193a1b2-0000-7000-8000-000000000001',
      type: 'identity.user.created',
      version: 1,
      tenantId: '0193a1b2-0000-7000-8000-0000000000aa',
      occurredAt: '2026-12-06T05:00:00.000Z',
      actor: { kind: 'system', id: null },
      subjectId: '0193a1b2-0000-7000-8000-0000000000bb',
      data: {},
    },
    raw: null,
  };

  it('lists parked events as aligned columns with the error on one line', () => {
    const lines = parkedTable([parked, { ...parked, id: 'sales:12', envelope: null, raw: 'junk', attempts: 1, error: 'not JSON' }]);
    expect(lines[0]).toMatch(/^ID\s+CONSUMER\s+TYPE\s+TENANT\s+EVENT\s+ATTEMPTS\s+PARKED AT\s+ERROR$/);
    expect(lines[1]).toContain('identity.user.created');
    expect(lines[1]).toMatch(/13\s+2026-12-06T06:00:00.000Z\s+connect ECONNREFUSED 127.0.0.1:5432$/);
    expect(lines[2]).toMatch(/^sales:12\s+sales_identity_users\s+\(not an envelope\)\s+-\s+-\s+1 /);
    expect(lines[1].indexOf(' 13 ') + 1).toBe(lines[0].indexOf('ATTEMPTS'));
    expect(lines.at(-1)).toBe('2 parked');
    expect(parkedTable([])).toEqual(['no parked events']);
  });

  it('says what replay and discard did, including when nothing was there', () => {
    expect(replayLine({ id: 'sales:7', outcome: 'applied' })).toBe('sales:7 applied');
    expect(replayLine({ id: 'sales:7', outcome: 'failed', error: 'boom' })).toBe('sales:7 not replayed: boom');
    expect(discardLine('sales:7', parked)).toBe(
      'discarded sales:7: identity.user.created 0193a1b2-0000-7000-8000-000000000001 for sales_identity_users (parked 2026-12-06T06:00:00.000Z: connect ECONNREFUSED 127.0.0.1:5432)',
    );
    expect(discardLine('sales:7', null)).toBe('sales:7 is not parked (already replayed or discarded)');
  });
});
