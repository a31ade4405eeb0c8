import { bearer, graphql } from '@rapport/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TenantDatabase } from '@rapport/persistence';
import { AuditRetentionService } from '../../apps/identity/src/audit/audit-retention.service';
import { auditEntriesByRequest, newRequestId } from '../harness/audit';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const LOG = `query ($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id sequence action service objectType objectId requestId actor { kind id } changes { field before after } details } }
  }
}`;
const VERIFY = `{ verifyAuditChain { ok checked firstBroken { sequence entryId reason } } }`;

/** The audit log (ADR 025): recorded through the gateway, filtered and paged, read only by admins and auditors, append-only, chained. */
describe('audit log', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let auditor: string;
  let contactId: string;
  const ids: Record<string, string> = {};

  const send = async (token: string, label: string, query: string, variables: Record<string, unknown> = {}) => {
    ids[label] = newRequestId(label);
    return graphql(platform.graphqlUrl, query, variables, { ...bearer(token), 'x-request-id': ids[label] });
  };
  const log = async (token: string, variables: Record<string, unknown>) => graphql(platform.graphqlUrl, LOG, variables, bearer(token));

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'audit');
    admin = await tenant.tokenFor('admin');
    auditor = await tenant.tokenFor('auditor');
    const created = await send(
      admin,
      'create',
      `mutation { createContact(input: { lastName: "Lovelace", emails: ["ada@x.test"] }) { contact { id } } }`,
    );
    expect(created.errors).toBeUndefined();
    contactId = created.data!.createContact.contact.id;
    const updated = await send(
      admin,
      'update',
      `mutation ($id: ID!) { updateContact(input: { id: $id, firstName: "Ada", emails: ["ada@y.test"] }) { contact { id } } }`,
      { id: contactId },
    );
    expect(updated.errors).toBeUndefined();
    const failed = await graphql(
      platform.graphqlUrl,
      `mutation { login(input: { tenant: "${tenant.slug}", email: "admin@${tenant.slug}.test", password: "wrong-password" }) { accessToken } }`,
    );
    expect(failed.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    await auditEntriesByRequest(platform, tenant.id, [ids.create, ids.update]);
  }, 120_000);

  afterAll(() => platform?.stop());

  it('records a change once, with actor, object and request id', async () => {
    const res = await log(admin, { filter: { objectType: 'Contact', objectId: contactId } });
    expect(res.errors).toBeUndefined();
    const entries = res.data!.auditLog.edges.map((e: { node: unknown }) => e.node);
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['updateContact', 'createContact']);
    expect(entries[1]).toMatchObject({ service: 'sales', objectId: contactId, requestId: ids.create, actor: { kind: 'USER' } });
  });

  it('records sign-ins, failed ones too', async () => {
    const ok = await log(auditor, { filter: { action: 'login' } });
    expect(ok.data!.auditLog.totalCount).toBeGreaterThanOrEqual(2);
    const failed = await log(auditor, { filter: { action: 'login.failed' } });
    expect(failed.data!.auditLog.edges[0].node).toMatchObject({ service: 'identity', objectType: 'User', actor: { kind: 'USER' } });
  });

  it('filters by actor and time, and pages without repeating', async () => {
    const adminId = (await log(admin, { filter: { action: 'createContact' } })).data!.auditLog.edges[0].node.actor.id as string;
    const byActor = await log(admin, { filter: { actorId: adminId } });
    expect(byActor.data!.auditLog.totalCount).toBeGreaterThanOrEqual(2);
    const future = await log(admin, { filter: { from: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(future.data!.auditLog.totalCount).toBe(0);
    const all = await log(admin, { first: 100 });
    const seen: number[] = [];
    let after: string | null = null;
    do {
      const page: any = await log(admin, { first: 2, after });
      seen.push(...page.data.auditLog.edges.map((e: { node: { sequence: number } }) => e.node.sequence));
      after = page.data.auditLog.pageInfo.hasNextPage ? page.data.auditLog.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(all.data!.auditLog.edges.map((e: { node: { sequence: number } }) => e.node.sequence));
    expect(new Set(seen).size).toBe(all.data!.auditLog.totalCount);
    const bad = await log(admin, { filter: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.from' });
  });

  it('masks contact details and names in the diff', async () => {
    const res = await log(admin, { filter: { action: 'updateContact', objectId: contactId } });
    const changes = res.data!.auditLog.edges[0].node.changes as { field: string; before: string; after: string }[];
    expect(changes).toEqual(expect.arrayContaining([{ field: 'firstName', before: null, after: '"***"' }]));
    const emails = changes.find((c) => c.field === 'emails');
    expect(emails).toEqual({ field: 'emails', before: '"***"', after: '"***"' });
  });

  it.each(['sales_rep', 'sales_manager', 'support_agent', 'marketer', 'analyst', 'customer'] as const)(
    'refuses the log to a %s',
    async (role) => {
      const token = role === 'customer' ? await customerToken(platform, tenant, contactId) : await tenant.tokenFor(role);
      for (const query of [LOG, VERIFY]) {
        const res = await graphql(platform.graphqlUrl, query, {}, bearer(token));
        expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
      }
    },
  );

  /** A session as identity's schema owner (the migrations' login), not the role the service runs as. */
  async function asOwner<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const schema = (platform.identity.app.get(DataSource).options as { schema: string }).schema;
    const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('refuses UPDATE and DELETE of audit rows to the services’ runtime role', async () => {
    const db = platform.identity.app.get(TenantDatabase);
    await expect(
      db.withTenant(tenant.id, (em) => em.query(`UPDATE audit_log SET action = 'nothing' WHERE tenant_id = $1`, [tenant.id])),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(db.withTenant(tenant.id, (em) => em.query(`DELETE FROM audit_log WHERE tenant_id = $1`, [tenant.id]))).rejects.toThrow(
      /permission denied|append-only/,
    );
    // The table's owner is refused by the trigger too.
    await expect(asOwner((c) => c.query(`UPDATE audit_log SET action = 'nothing' WHERE tenant_id = $1`, [tenant.id]))).rejects.toThrow(
      /append-only/,
    );
  });

  it('verifies the chain, and names the first entry someone tampered with', async () => {
    const before = await graphql(platform.graphqlUrl, VERIFY, {}, bearer(auditor));
    expect(before.data!.verifyAuditChain).toMatchObject({ ok: true, firstBroken: null });
    const [row] = await platform.identity.app
      .get(DataSource)
      .query(`SELECT seq, id FROM audit_log WHERE tenant_id = $1 AND action = 'createContact'`, [tenant.id]);
    // What only the schema's owner, able to disable triggers, could do: the chain still shows it.
    await asOwner(async (c) => {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE audit_log DISABLE TRIGGER append_only_guard`);
      await c.query(`UPDATE audit_log SET actor_id = NULL WHERE tenant_id = $1 AND seq = $2`, [tenant.id, row.seq]);
      await c.query(`ALTER TABLE audit_log ENABLE TRIGGER append_only_guard`);
      await c.query('COMMIT');
    });
    const after = await graphql(platform.graphqlUrl, VERIFY, {}, bearer(auditor));
    expect(after.data!.verifyAuditChain).toMatchObject({ ok: false, firstBroken: { sequence: Number(row.seq), entryId: row.id } });
  });

  it('prunes past the retention and the chain still verifies from its anchor', async () => {
    const other = await createTenant(platform, 'auditprune');
    const token = await other.tokenFor('admin');
    const sendAs = async (label: string, query: string, variables: Record<string, unknown> = {}) => {
      ids[label] = newRequestId(label);
      const res = await graphql(platform.graphqlUrl, query, variables, { ...bearer(token), 'x-request-id': ids[label] });
      expect(res.errors).toBeUndefined();
      return res;
    };
    await sendAs('old1', `mutation { createContact(input: { lastName: "Old" }) { contact { id } } }`);
    await sendAs('old2', `mutation { createContact(input: { lastName: "Older" }) { contact { id } } }`);
    await sendAs('retention', `mutation { setAuditRetention(input: { days: 1 }) { retention { days } } }`);
    await auditEntriesByRequest(platform, other.id, [ids.old1, ids.old2, ids.retention]);
    const retention = await graphql(
      platform.graphqlUrl,
      `
        {
          auditRetention {
            days
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(retention.data!.auditRetention).toEqual({ days: 1 });

    // Two days on, everything so far is past the retention.
    const pruned = await platform.identity.app.get(AuditRetentionService).prune(other.id, new Date(Date.now() + 2 * 86_400_000));
    expect(pruned).toBeGreaterThanOrEqual(3);
    await sendAs('new', `mutation { createContact(input: { lastName: "New" }) { contact { id } } }`);
    await auditEntriesByRequest(platform, other.id, [ids.new]);
    const left = await log(token, {});
    expect(left.data!.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual(['createContact', 'audit.pruned']);
    const verified = await graphql(platform.graphqlUrl, VERIFY, {}, bearer(token));
    expect(verified.data!.verifyAuditChain).toMatchObject({ ok: true, checked: 2, firstBroken: null });

    const bad = await graphql(
      platform.graphqlUrl,
      `
        mutation {
          setAuditRetention(input: { days: 0 }) {
            retention {
              days
            }
          }
        }
      `,
      {},
      bearer(token),
    );
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
  });
});
