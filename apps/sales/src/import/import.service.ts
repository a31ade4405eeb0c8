import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import { ACCOUNT_CREATED, ACCOUNT_UPDATED, CONTACT_CREATED, CONTACT_UPDATED, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requireWrite } from '../access/sales-access';
import { AccountEntity } from '../accounts/account.entity';
import { accountSnapshot, normaliseDomain } from '../accounts/accounts.service';
import { ContactEntity } from '../contacts/contact.entity';
import {
  MAX_TAGS,
  normaliseAddresses,
  normaliseEmails,
  normalisePhones,
  normaliseSource,
  normaliseTags,
  type AddressKind,
  type PostalAddressInput,
} from '../contacts/contact-input';
import { contactSnapshot } from '../contacts/contact-snapshot';
import { DuplicatesService, type DuplicateCandidate } from '../duplicates/duplicates.service';
import { LeadsService } from '../leads/leads.service';
import { compileMapping, mapRow, MAX_IMPORT_ROWS, type ColumnMapping, type ImportKind, type MappedRow } from './import-mapping';

export type ImportDuplicatePolicy = 'BLOCK' | 'WARN' | 'ALLOW' | 'MERGE_INTO_EXISTING';
export type ImportStatus = 'CREATED' | 'UPDATED' | 'SKIPPED' | 'INVALID';

export interface ImportOptions {
  /** Default: the tenant's duplicate policy. MERGE_INTO_EXISTING fills the matched record instead of creating one. */
  duplicatePolicy?: ImportDuplicatePolicy | null;
  /** Record source stored on created records when no source column is mapped; default "import". */
  source?: string | null;
  /** The system the `externalId` column's keys belong to (required when it is mapped). */
  externalIdSource?: string | null;
  /** Kind of the address built from street…country columns; default OTHER. */
  addressKind?: AddressKind | null;
  /** Row number of rows[0] in the file (for the report); default 1. */
  firstRowNumber?: number | null;
}

export interface ImportInput {
  kind: ImportKind;
  mapping: ColumnMapping[];
  header: string[];
  rows: string[][];
  options?: ImportOptions | null;
}

export interface ImportRowResult {
  rowNumber: number;
  status: ImportStatus;
  id: string | null;
  /** Machine-readable reason: INVALID_FIELD, ALREADY_EXISTS, UNCHANGED, DUPLICATE, DUPLICATE_IN_BATCH, POSSIBLE_DUPLICATE, NO_ACCOUNT. */
  code: string | null;
  field: string | null;
  reason: string | null;
  duplicates: DuplicateCandidate[];
}

export interface ImportResult {
  rows: ImportRowResult[];
  created: number;
  updated: number;
  skipped: number;
  invalid: number;
}

interface Pending {
  n: number;
  row: MappedRow;
  entity: ContactEntity | AccountEntity;
  externalKey: string | null;
  accountName: string | null;
}

/**
 * Bulk import of contacts, accounts and leads from mapped CSV rows (issue 3).
 * Rows are validated first (a bad row becomes INVALID and never touches the
 * others), then the batch is matched and inserted set-based in one
 * transaction; if the set-based insert fails (e.g. a concurrent clash), it is
 * retried row by row, each under its own savepoint. Re-running a batch creates
 * nothing: rows are matched by external id when that column is mapped, else by
 * email (contacts, leads) or by name/domain (accounts).
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly duplicates: DuplicatesService,
    private readonly leads: LeadsService,
  ) {}

  async importRecords(principal: Principal, input: ImportInput): Promise<ImportResult> {
    const kind = input.kind;
    if (kind === 'CONTACT' || kind === 'ACCOUNT') requireWrite(principal, kind === 'CONTACT' ? 'contacts' : 'accounts');
    const rows = validate.listOf('rows', input.rows, MAX_IMPORT_ROWS);
    const mapping = compileMapping(kind, input.header, input.mapping);
    const options = input.options ?? {};
    const externalIdSource = options.externalIdSource
      ? validate.requiredText('options.externalIdSource', options.externalIdSource, 50).toLowerCase()
      : null;
    if (mapping.fields.has('externalId') && !externalIdSource)
      throw badUserInput('options.externalIdSource', 'name the system the externalId column comes from');
    const first = options.firstRowNumber ?? 1;
    const results: ImportRowResult[] = rows.map((_, i) => ({
      rowNumber: first + i,
      status: 'INVALID',
      id: null,
      code: null,
      field: null,
      reason: null,
      duplicates: [],
    }));
    const mapped: (MappedRow | null)[] = rows.map((row, i) => {
      try {
        return mapRow(mapping, input.header.length, row);
      } catch (err) {
        invalid(results[i], err);
        return null;
      }
    });

    if (kind === 'LEAD') await this.importLeads(principal, mapped, results, options);
    else await this.importCustomers(principal, kind, mapped, results, { ...options, externalIdSource });

    const count = (s: ImportStatus) => results.filter((r) => r.status === s).length;
    return { rows: results, created: count('CREATED'), updated: count('UPDATED'), skipped: count('SKIPPED'), invalid: count('INVALID') };
  }

  private async importCustomers(
    principal: Principal,
    kind: 'CONTACT' | 'ACCOUNT',
    mapped: (MappedRow | null)[],
    results: ImportRowResult[],
    options: ImportOptions,
  ): Promise<void> {
    const now = new Date();
    const source = normaliseSource('options.source', options.source ?? 'import');
    const addressKind = options.addressKind ?? 'OTHER';
    const pending: Pending[] = [];
    mapped.forEach((row, n) => {
      if (!row) return;
      try {
        const v = row.values;
        const address: PostalAddressInput[] = ['street', 'city', 'postalCode', 'region', 'country'].some((f) => f in v)
          ? [{ kind: addressKind, street: v.street, city: v.city, postalCode: v.postalCode, region: v.region, country: v.country }]
          : [];
        const common = {
          id: uuidv7(),
          tenantId: principal.tenantId,
          ownerId: validate.optionalUuid('ownerId', v.ownerId) ?? (principal.kind === 'user' ? principal.id : null),
          addresses: normaliseAddresses('addresses', address),
          source: v.source !== undefined ? normaliseSource('source', v.source) : source,
          tags: normaliseTags('tags', row.lists.tags),
          mergedInto: null,
          mergedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        const entity =
          kind === 'CONTACT'
            ? Object.assign(new ContactEntity(), common, {
                firstName: validate.text('firstName', v.firstName, { max: 100 }),
                lastName: validate.requiredText('lastName', v.lastName, 100),
                emails: normaliseEmails('email', row.lists.email),
                phones: normalisePhones('phone', row.lists.phone),
                accountId: validate.optionalUuid('accountId', v.accountId) ?? null,
                externalIds: v.externalId
                  ? [{ source: options.externalIdSource ?? '', key: validate.requiredText('externalId', v.externalId, 200) }]
                  : [],
              })
            : Object.assign(new AccountEntity(), common, {
                name: validate.requiredText('name', v.name, 200),
                domain: normaliseDomain(v.domain),
                industry: validate.text('industry', v.industry, { max: 100 }),
              });
        pending.push({ n, row, entity, externalKey: v.externalId ?? null, accountName: v.accountName?.toLowerCase() ?? null });
      } catch (err) {
        invalid(results[n], err);
      }
    });
    if (pending.length === 0) return;

    await this.db.withTenant(principal.tenantId, async (em) => {
      const rules = await this.duplicates.rulesWithin(em);
      const policy: ImportDuplicatePolicy = options.duplicatePolicy ?? rules.policy;
      const toCreate: Pending[] = [];
      const toUpdate: { p: Pending; targetId: string }[] = [];

      if (kind === 'CONTACT') await this.resolveAccounts(em, pending, results);
      const live = pending.filter((p) => results[p.n].code !== 'NO_ACCOUNT');
      const existing =
        kind === 'CONTACT' ? await this.matchContacts(em, live, options.externalIdSource ?? null) : await this.matchAccounts(em, live);

      // Within the batch: a later row for the same record is that record, not a new one.
      const seen = new Map<string, number>();
      const unmatched: Pending[] = [];
      for (const p of live) {
        const r = results[p.n];
        const keys = identityKeys(kind, p);
        const earlier = keys.map((k) => seen.get(k)).find((x) => x !== undefined);
        if (earlier !== undefined) {
          skip(r, 'DUPLICATE_IN_BATCH', `same record as row ${results[earlier].rowNumber} of this batch`);
          continue;
        }
        keys.forEach((k) => seen.set(k, p.n));
        const match = existing.get(p.n);
        if (match) {
          if (policy === 'MERGE_INTO_EXISTING') toUpdate.push({ p, targetId: match });
          else Object.assign(skip(r, 'ALREADY_EXISTS', `already exists as ${match}`), { id: match });
        } else unmatched.push(p);
      }

      // Rule-based duplicates (contacts) for rows that are not already known.
      if (kind === 'CONTACT' && policy !== 'ALLOW' && unmatched.length > 0) {
        const found = await this.duplicates.findBatch(
          em,
          rules,
          unmatched.map((p) => p.entity as ContactEntity),
        );
        unmatched.forEach((p, i) => {
          const candidates = found[i];
          const r = results[p.n];
          if (candidates.length === 0) return toCreate.push(p);
          r.duplicates = candidates;
          if (policy === 'BLOCK')
            skip(r, 'DUPLICATE', `possible duplicate of ${candidates[0].contactId} (${candidates[0].rule}, score ${candidates[0].score})`);
          else if (policy === 'MERGE_INTO_EXISTING') toUpdate.push({ p, targetId: candidates[0].contactId });
          else {
            r.code = 'POSSIBLE_DUPLICATE';
            r.reason = `possible duplicate of ${candidates[0].contactId} (${candidates[0].rule}, score ${candidates[0].score})`;
            toCreate.push(p);
          }
        });
      } else toCreate.push(...unmatched);

      await this.insertAll(em, principal, kind, toCreate, results);
      for (const u of toUpdate) await this.fillExisting(em, principal, kind, u.p, u.targetId, results[u.p.n]);
    });
  }

  /** accountName → the live account of that name (case-insensitive); unknown names make the row INVALID. */
  private async resolveAccounts(em: EntityManager, pending: Pending[], results: ImportRowResult[]): Promise<void> {
    const names = [...new Set(pending.map((p) => p.accountName).filter((n): n is string => !!n))];
    const ids = [...new Set(pending.map((p) => (p.entity as ContactEntity).accountId).filter((id): id is string => !!id))];
    const byName = new Map<string, string>();
    const known = new Set<string>();
    if (names.length) {
      const rows: { id: string; n: string }[] = await em.query(
        `SELECT DISTINCT ON (lower(name)) id, lower(name) AS n FROM accounts WHERE merged_into IS NULL AND lower(name) = ANY($1::text[]) ORDER BY lower(name), created_at, id`,
        [names],
      );
      rows.forEach((r) => byName.set(r.n, r.id));
    }
    if (ids.length)
      (await em.query(`SELECT id FROM accounts WHERE id = ANY($1::uuid[])`, [ids])).forEach((r: { id: string }) => known.add(r.id));
    for (const p of pending) {
      const c = p.entity as ContactEntity;
      const r = results[p.n];
      if (p.accountName) {
        const id = byName.get(p.accountName);
        if (!id)
          Object.assign(r, {
            status: 'INVALID',
            code: 'NO_ACCOUNT',
            field: 'accountName',
            reason: `no account named ${JSON.stringify(p.row.values.accountName)}`,
          });
        else c.accountId = id;
      } else if (c.accountId && !known.has(c.accountId)) {
        Object.assign(r, { status: 'INVALID', code: 'NO_ACCOUNT', field: 'accountId', reason: `no account ${c.accountId}` });
      }
    }
  }

  /** Existing contacts for rows: by external id when mapped, else by email. Merged contacts resolve to their survivor. */
  private async matchContacts(em: EntityManager, pending: Pending[], source: string | null): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const withKey = pending.filter((p) => p.externalKey);
    if (source && withKey.length) {
      const rows: { key: string; id: string }[] = await em.query(
        `SELECT x.key, coalesce(c.merged_into, c.id) AS id FROM contact_external_ids x JOIN contacts c ON c.id = x.contact_id
         WHERE x.source = $1 AND x.key = ANY($2::text[])`,
        [source, withKey.map((p) => p.externalKey)],
      );
      const byKey = new Map(rows.map((r) => [r.key, r.id]));
      for (const p of withKey) {
        const id = p.externalKey ? byKey.get(p.externalKey) : undefined;
        if (id) out.set(p.n, id);
      }
    }
    const byEmail = pending.filter((p) => !p.externalKey && (p.entity as ContactEntity).emails.length > 0);
    if (byEmail.length) {
      const emails = byEmail.flatMap((p) => (p.entity as ContactEntity).emails);
      const rows: { id: string; emails: string[] }[] = await em.query(
        `SELECT e.id, e.emails FROM sales_contacts_by_emails($1::text[]) e JOIN contacts c ON c.id = e.id ORDER BY c.created_at, c.id`,
        [emails],
      );
      const idByEmail = new Map<string, string>();
      rows.forEach((r) => r.emails.forEach((e) => idByEmail.has(e) || idByEmail.set(e, r.id)));
      byEmail.forEach((p) => {
        const hit = (p.entity as ContactEntity).emails.map((e) => idByEmail.get(e)).find(Boolean);
        if (hit) out.set(p.n, hit);
      });
    }
    return out;
  }

  /** Existing live accounts with the same name (case-insensitive) or domain. */
  private async matchAccounts(em: EntityManager, pending: Pending[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const accounts = pending.map((p) => p.entity as AccountEntity);
    const rows: { id: string; n: string; domain: string | null }[] = await em.query(
      `SELECT id, lower(name) AS n, domain FROM accounts WHERE merged_into IS NULL AND (lower(name) = ANY($1::text[]) OR domain = ANY($2::text[]))
       ORDER BY created_at, id`,
      [accounts.map((a) => a.name.toLowerCase()), accounts.map((a) => a.domain).filter(Boolean)],
    );
    pending.forEach((p) => {
      const a = p.entity as AccountEntity;
      const hit = rows.find((r) => r.n === a.name.toLowerCase() || (a.domain && r.domain === a.domain));
      if (hit) out.set(p.n, hit.id);
    });
    return out;
  }

  /** One multi-row INSERT per table and one for the outbox; on failure, row by row under savepoints. */
  private async insertAll(
    em: EntityManager,
    principal: Principal,
    kind: 'CONTACT' | 'ACCOUNT',
    list: Pending[],
    results: ImportRowResult[],
  ) {
    if (list.length === 0) return;
    const failed = new Set<number>();
    await em.query('SAVEPOINT import_batch');
    try {
      await this.insertSet(em, principal, kind, list);
      await em.query('RELEASE SAVEPOINT import_batch');
    } catch {
      await em.query('ROLLBACK TO SAVEPOINT import_batch');
      for (const p of list) {
        await em.query('SAVEPOINT import_row');
        try {
          await this.insertSet(em, principal, kind, [p]);
          await em.query('RELEASE SAVEPOINT import_row');
        } catch (err) {
          await em.query('ROLLBACK TO SAVEPOINT import_row');
          const unique = /contact_external_ids_unique/.test(String((err as Error).message));
          invalid(results[p.n], unique ? badUserInput('externalId', 'already used by another contact') : err);
          failed.add(p.n);
        }
      }
    }
    for (const p of list) if (!failed.has(p.n)) Object.assign(results[p.n], { status: 'CREATED', id: p.entity.id });
  }

  private async insertSet(em: EntityManager, principal: Principal, kind: 'CONTACT' | 'ACCOUNT', list: Pending[]): Promise<void> {
    const actor = actorOf(principal);
    if (kind === 'CONTACT') {
      const contacts = list.map((p) => p.entity as ContactEntity);
      await em.getRepository(ContactEntity).insert(contacts.map(({ externalIds: _x, ...c }) => c));
      const xs = contacts.flatMap((c) =>
        (c.externalIds ?? []).map((x) => ({ tenantId: c.tenantId, source: x.source, key: x.key, contactId: c.id })),
      );
      if (xs.length) {
        await em.query(
          `INSERT INTO contact_external_ids (tenant_id, source, key, contact_id) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])`,
          [xs.map((x) => x.tenantId), xs.map((x) => x.source), xs.map((x) => x.key), xs.map((x) => x.contactId)],
        );
      }
      await this.publishAll(
        em,
        contacts.map((c) =>
          newEvent({ type: CONTACT_CREATED, tenantId: principal.tenantId, actor, subjectId: c.id, data: { contact: contactSnapshot(c) } }),
        ),
      );
    } else {
      const accounts = list.map((p) => p.entity as AccountEntity);
      await em.getRepository(AccountEntity).insert(accounts);
      await this.publishAll(
        em,
        accounts.map((a) =>
          newEvent({ type: ACCOUNT_CREATED, tenantId: principal.tenantId, actor, subjectId: a.id, data: { account: accountSnapshot(a) } }),
        ),
      );
    }
  }

  /**
   * Writes the batch's events to the outbox in one statement (same rows
   * appendToOutbox writes); the last goes through ServiceDatabase.publish so
   * the relay is kicked after commit.
   */
  private async publishAll(em: EntityManager, events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const head = events.slice(0, -1);
    if (head.length) {
      await em.query(
        `INSERT INTO outbox (id, tenant_id, type, envelope, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::timestamptz[])`,
        [
          head.map((e) => e.id),
          head.map((e) => e.tenantId),
          head.map((e) => e.type),
          head.map((e) => JSON.stringify(e)),
          head.map((e) => e.occurredAt),
        ],
      );
    }
    await this.db.publish(em, events[events.length - 1]);
  }

  /** MERGE_INTO_EXISTING: fills the matched record — lists unioned, empty fields filled — never overwriting a value. */
  private async fillExisting(
    em: EntityManager,
    principal: Principal,
    kind: 'CONTACT' | 'ACCOUNT',
    p: Pending,
    targetId: string,
    r: ImportRowResult,
  ) {
    await em.query('SAVEPOINT import_row');
    try {
      const changed: string[] = [];
      const union = <T>(field: string, a: T[], b: T[], max: number): T[] => {
        const keys = new Set(a.map(canonical));
        const extra = b.filter((x) => !keys.has(canonical(x)));
        if (extra.length === 0) return a;
        if (a.length + extra.length > max) throw badUserInput(field, `merging would exceed ${max} entries`);
        changed.push(field);
        return [...a, ...extra];
      };
      const fill = <T>(field: string, current: T | null, value: T | null): T | null => {
        if (current != null || value == null) return current;
        changed.push(field);
        return value;
      };
      if (kind === 'CONTACT') {
        const repo = em.getRepository(ContactEntity);
        const target = await repo.findOne({ where: { id: targetId }, lock: { mode: 'pessimistic_write' } });
        if (!target) throw badUserInput('id', `record ${targetId} vanished during the import`);
        const row = p.entity as ContactEntity;
        target.emails = union('emails', target.emails, row.emails, 10);
        target.phones = union('phones', target.phones, row.phones, 10);
        target.tags = union('tags', target.tags, row.tags, MAX_TAGS);
        target.addresses = union('addresses', target.addresses, row.addresses, 10);
        target.firstName = fill('firstName', target.firstName, row.firstName);
        target.accountId = fill('accountId', target.accountId, row.accountId);
        target.source = fill('source', target.source, row.source);
        const xs: { source: string; key: string }[] = await em.query(`SELECT source, key FROM contact_external_ids WHERE contact_id = $1`, [
          targetId,
        ]);
        for (const x of row.externalIds ?? []) {
          if (xs.some((y) => y.source === x.source && y.key === x.key)) continue;
          await em.query(`INSERT INTO contact_external_ids (tenant_id, source, key, contact_id) VALUES ($1, $2, $3, $4)`, [
            principal.tenantId,
            x.source,
            x.key,
            targetId,
          ]);
          xs.push(x);
          if (!changed.includes('externalIds')) changed.push('externalIds');
        }
        if (changed.length) {
          target.updatedAt = new Date();
          const { externalIds: _x, ...columns } = target;
          await repo.update({ id: targetId }, columns);
          target.externalIds = xs;
          await this.db.publish(
            em,
            newEvent({
              type: CONTACT_UPDATED,
              tenantId: principal.tenantId,
              actor: actorOf(principal),
              subjectId: targetId,
              data: { contact: contactSnapshot(target), changed },
            }),
          );
        }
      } else {
        const repo = em.getRepository(AccountEntity);
        const target = await repo.findOne({ where: { id: targetId }, lock: { mode: 'pessimistic_write' } });
        if (!target) throw badUserInput('id', `record ${targetId} vanished during the import`);
        const row = p.entity as AccountEntity;
        target.tags = union('tags', target.tags, row.tags, MAX_TAGS);
        target.addresses = union('addresses', target.addresses, row.addresses, 10);
        target.domain = fill('domain', target.domain, row.domain);
        target.industry = fill('industry', target.industry, row.industry);
        target.source = fill('source', target.source, row.source);
        if (changed.length) {
          target.updatedAt = new Date();
          await repo.update({ id: targetId }, target);
          await this.db.publish(
            em,
            newEvent({
              type: ACCOUNT_UPDATED,
              tenantId: principal.tenantId,
              actor: actorOf(principal),
              subjectId: targetId,
              data: { account: accountSnapshot(target), changed },
            }),
          );
        }
      }
      await em.query('RELEASE SAVEPOINT import_row');
      if (changed.length)
        Object.assign(r, {
          status: 'UPDATED',
          id: targetId,
          code: r.duplicates.length ? 'MERGED_INTO_DUPLICATE' : null,
          reason: `filled ${changed.join(', ')}`,
        });
      else Object.assign(skip(r, 'UNCHANGED', `${targetId} already has these values`), { id: targetId });
    } catch (err) {
      await em.query('ROLLBACK TO SAVEPOINT import_row');
      invalid(r, err);
    }
  }

  /** Leads: matched by email against existing leads (idempotent re-runs); created one by one through the lead service (scoring, assignment, events). */
  private async importLeads(
    principal: Principal,
    mapped: (MappedRow | null)[],
    results: ImportRowResult[],
    options: ImportOptions,
  ): Promise<void> {
    const emails = mapped.map((m) => m?.lists.email?.[0]?.trim().toLowerCase() ?? null);
    const existing = new Map<string, string>();
    const wanted = [...new Set(emails.filter((e): e is string => !!e))];
    if (wanted.length) {
      const rows: { id: string; email: string }[] = await this.db.withTenant(principal.tenantId, (em) =>
        em.query(
          `SELECT DISTINCT ON (lower(email)) id, lower(email) AS email FROM leads WHERE lower(email) = ANY($1::text[]) ORDER BY lower(email), created_at`,
          [wanted],
        ),
      );
      rows.forEach((r) => existing.set(r.email, r.id));
    }
    const seen = new Map<string, number>();
    for (let n = 0; n < mapped.length; n++) {
      const row = mapped[n];
      if (!row) continue;
      const email = emails[n];
      const r = results[n];
      if (email && existing.has(email)) {
        Object.assign(skip(r, 'ALREADY_EXISTS', `already exists as lead ${existing.get(email)}`), { id: existing.get(email) });
        continue;
      }
      if (email && seen.has(email)) {
        skip(r, 'DUPLICATE_IN_BATCH', `same lead as row ${results[seen.get(email) ?? n].rowNumber} of this batch`);
        continue;
      }
      try {
        const v = row.values;
        const { lead, duplicates } = await this.leads.create(principal, {
          firstName: v.firstName,
          lastName: v.lastName,
          company: v.company,
          email: row.lists.email?.[0],
          phone: row.lists.phone?.[0],
          source: v.source ?? options.source ?? 'import',
          ownerId: v.ownerId,
        });
        Object.assign(r, { status: 'CREATED', id: lead.id, code: duplicates.length ? 'POSSIBLE_DUPLICATE' : null });
        if (duplicates.length) r.reason = `possible duplicate of ${duplicates.map((d) => `${d.kind.toLowerCase()} ${d.id}`).join(', ')}`;
        if (email) seen.set(email, n);
      } catch (err) {
        invalid(r, err);
      }
    }
  }
}

function identityKeys(kind: 'CONTACT' | 'ACCOUNT', p: Pending): string[] {
  if (kind === 'ACCOUNT') {
    const a = p.entity as AccountEntity;
    return [`n:${a.name.toLowerCase()}`, ...(a.domain ? [`d:${a.domain}`] : [])];
  }
  const c = p.entity as ContactEntity;
  return p.externalKey ? [`x:${p.externalKey}`] : c.emails.map((e) => `e:${e}`);
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonical(x: unknown): string {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? JSON.stringify(x, Object.keys(x).sort()) : JSON.stringify(x);
}

function skip(r: ImportRowResult, code: string, reason: string): ImportRowResult {
  return Object.assign(r, { status: 'SKIPPED' as const, code, reason });
}

/** A validation error becomes INVALID with its field; anything else is re-thrown (it is a fault, not bad data). */
function invalid(r: ImportRowResult, err: unknown): void {
  if (err instanceof GraphQLError && (err.extensions?.code === 'BAD_USER_INPUT' || err.extensions?.code === 'CONFLICT')) {
    Object.assign(r, {
      status: 'INVALID',
      id: null,
      code: 'INVALID_FIELD',
      field: (err.extensions.field as string) ?? null,
      reason: err.message,
    });
    return;
  }
  throw err;
}
