import { join } from 'node:path';
import { entitiesIn, repositoryWritesIn, sqlWritesIn, sqlWritesOfServices, writesOutsideTheOwner } from './database-writes';

/**
 * The rule of docs/adr/040-one-way-to-reach-the-database.md, checked: a table
 * is written only by the feature folder that owns it (other features call the
 * owner's functions), except by the service's erasure. Tables written by one
 * feature need no entry; one written by several must name its owner here.
 */
const OWNERS: Record<string, Record<string, string>> = {
  analytics: { clv_settings: 'clv', customer_values: 'clv', orders: 'orders', rfm_settings: 'rfm' },
  identity: { refresh_tokens: 'auth', users: 'users' },
  marketing: {
    campaign_recipients: 'campaigns',
    campaigns: 'campaigns',
    consent_confirmations: 'consent',
    contacts: 'read-model',
    journey_enrollments: 'journeys',
    marketing_settings: 'settings',
    messages: 'sending',
    suppressions: 'consent',
  },
  sales: { accounts: 'accounts', contacts: 'contacts', leads: 'leads', opportunities: 'opportunities' },
  service: {
    cases: 'cases',
    cases_all: 'cases',
    knowledge_settings: 'knowledge',
    satisfaction_requests: 'satisfaction',
    support_queues: 'routing',
  },
};

/**
 * Erasure anonymises every table of its service in one transaction, listed in one place (ADR 034); a purge
 * removes a deleted record with everything that hangs off it, also in one transaction (ADR 037).
 */
const EXEMPT = ['privacy', 'deletion'];

describe('which code writes a table', () => {
  it('finds SQL writes, not prose or an upsert’s DO UPDATE', () => {
    const source = [
      'await em.query(`INSERT INTO cases (id) VALUES ($1)`);',
      '// update the totals when the case closes',
      'await em.query(`UPDATE "orders" SET total = 1 WHERE id = $1`);',
      'await em.query(`INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET n = 2`);',
      'await em.query(`DELETE FROM refresh_tokens WHERE user_id = $1`);',
    ].join('\n');
    expect(sqlWritesIn(source)).toEqual([
      { table: 'cases', line: 1 },
      { table: 'orders', line: 3 },
      { table: 't', line: 4 },
      { table: 'refresh_tokens', line: 5 },
    ]);
  });

  it('finds writes through a TypeORM repository by the entity’s table', () => {
    const tables = entitiesIn(`@Entity({ name: 'leads' })\nexport class LeadEntity {}\n@Entity('users')\nexport class UserEntity {}`);
    expect(tables).toEqual(
      new Map([
        ['LeadEntity', 'leads'],
        ['UserEntity', 'users'],
      ]),
    );
    const source =
      'em.getRepository(LeadEntity).findOneBy({ id });\nem.getRepository(LeadEntity).update({ id }, { status });\nem.getRepository(UserEntity).insert(u);';
    expect(repositoryWritesIn(source, tables)).toEqual([
      { table: 'leads', line: 2 },
      { table: 'users', line: 3 },
    ]);
  });

  it('reports a table written by two features without a declared owner, and crossings of a declared one', () => {
    const w = (feature: string, table: string) => ({ service: 's', feature, table, file: `${feature}.ts`, line: 1 });
    const writes = [w('cases', 'cases'), w('sla', 'cases'), w('privacy', 'cases'), w('a', 'x'), w('b', 'x'), w('only', 'y')];
    const { problems, crossings } = writesOutsideTheOwner(writes, { s: { cases: 'cases' } }, ['privacy']);
    expect(problems).toEqual(['s.x is written by a, b: declare its owning feature']);
    expect([...crossings]).toEqual(['s.cases <- sla']);
  });
});

describe('one way to reach the database (ADR 040)', () => {
  const { problems, crossings } = writesOutsideTheOwner(sqlWritesOfServices(join(__dirname, '..', '..')), OWNERS, EXEMPT);

  it('every table written by more than one feature has a declared owner', () => {
    expect(problems).toEqual([]);
  });

  it('no feature writes a table it does not own (it calls the owner’s functions)', () => {
    expect([...crossings].sort()).toEqual([]);
  });
});
