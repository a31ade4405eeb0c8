import type { Principal } from '@rapport/auth';
import type { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { CampaignsService } from '../campaigns/campaigns.service';
import { JourneysService } from '../journeys/journeys.service';
import { SegmentsService } from '../segments/segments.service';

/**
 * `campaign(id)`, `segment(id)` and `journey(id)` answer null only when no
 * row has the id: a failing query is an error, never "not found" (they used
 * to `.catch(() => null)` every error; eslint.config.js now forbids that).
 */
const marketer: Principal = {
  kind: 'user',
  tenantId: '0190a000-0000-7000-8000-000000000001',
  id: '0190a000-0000-7000-8000-000000000002',
  roles: ['marketer'],
  scopes: [],
  contactId: null,
};
const ID = '0190a000-0000-7000-8000-0000000000aa';

/** A database whose every query answers `rows`, or fails as a lost connection would. */
function database(answer: 'fails' | unknown[]): ServiceDatabase {
  const em = {
    query: jest.fn(async () => {
      if (answer === 'fails') throw new Error('Connection terminated unexpectedly');
      return answer;
    }),
  } as unknown as EntityManager;
  return { withTenant: (_tenantId: string, work: (em: EntityManager) => Promise<unknown>) => work(em) } as unknown as ServiceDatabase;
}

const lookups: [string, (db: ServiceDatabase) => (principal: Principal, id: string) => Promise<unknown>][] = [
  ['campaign', (db) => (p, id) => new CampaignsService(db, null!, null!, null!, new CampaignsRepository()).get(p, id)],
  ['segment', (db) => (p, id) => new SegmentsService(db, null!, null!).get(p, id)],
  ['journey', (db) => (p, id) => new JourneysService(db, null!, null!, null!, null!).get(p, id)],
];

describe.each(lookups)('%s(id)', (_name, lookup) => {
  it('answers null when no row has the id', async () => {
    await expect(lookup(database([]))(marketer, ID)).resolves.toBeNull();
  });

  it('lets a database error propagate instead of answering "not found"', async () => {
    await expect(lookup(database('fails'))(marketer, ID)).rejects.toThrow('Connection terminated unexpectedly');
  });
});
