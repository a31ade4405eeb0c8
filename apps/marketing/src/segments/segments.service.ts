import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, notFound, type Principal } from '@rapport/auth';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '@rapport/persistence';
import { type PageArgs, pageWindow, paginateSql, ServiceDatabase, SharingPolicy, validate, visibleSql } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { requireMarketingRead, requireMarketingWrite } from '../access/marketing-access';
import { MarketingSettings, type RuleContext } from '../settings/marketing-settings';
import { AUDIENCE_BASE, compileForTenant } from './rule-compiler';

export type SegmentKind = 'DYNAMIC' | 'STATIC';

export interface SegmentView {
  id: string;
  name: string;
  description: string | null;
  kind: SegmentKind;
  rule: unknown;
  snapshotAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Snapshot size of a STATIC segment; DYNAMIC ones are counted when asked. */
  snapshotCount: number | null;
}

interface SegmentRow {
  id: string;
  name: string;
  description: string | null;
  kind: SegmentKind;
  rule: unknown;
  member_count: number | null;
  snapshot_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `s.id, s.name, s.description, s.kind, s.rule, s.member_count, s.snapshot_at, s.created_at, s.updated_at`;

function view(r: SegmentRow): SegmentView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    rule: r.rule,
    snapshotAt: r.snapshot_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    snapshotCount: r.member_count,
  };
}

/**
 * Segments: rules over the read model, stored as JSON and compiled to one
 * SQL query per use. A DYNAMIC segment is evaluated whenever it is used (a
 * campaign draws its audience at launch); a STATIC one keeps the members of
 * its snapshot until refreshed.
 */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: MarketingSettings,
    private readonly sharing: SharingPolicy,
  ) {}

  async preview(
    principal: Principal,
    rule: unknown,
    first: number | null | undefined,
  ): Promise<{ count: number; sample: { id: string }[] }> {
    requireMarketingRead(principal);
    const limit = validate.pageSize(first, { default: 10, max: 100 });
    const scope = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const compiled = await compileForTenant(em, this.settings, principal.tenantId, rule, { rootPath: 'rule' });
      const params = [principal.tenantId, ...compiled.params];
      const where = `${AUDIENCE_BASE} AND ${compiled.sql} AND ${visibleSql(scope, 'c.owner_id', params)}`;
      const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM contacts c WHERE ${where}`, params);
      const sample: { id: string }[] = await em.query(
        `SELECT c.id FROM contacts c WHERE ${where} ORDER BY c.id LIMIT $${params.length + 1}`,
        [...params, limit],
      );
      return { count: n, sample };
    });
  }

  async create(
    principal: Principal,
    input: { name: string; description?: string | null; kind?: SegmentKind | null; rule: unknown },
  ): Promise<SegmentView> {
    requireMarketingWrite(principal);
    const name = validate.requiredText('input.name', input.name, 200);
    const description = validate.text('input.description', input.description, { max: 2000 });
    const kind = input.kind ?? 'DYNAMIC';
    return this.db.withTenant(principal.tenantId, async (em) => {
      await compileForTenant(em, this.settings, principal.tenantId, input.rule, { rootPath: 'input.rule' });
      const id = uuidv7();
      try {
        await em.query(
          `INSERT INTO segments (id, tenant_id, name, description, kind, rule, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [id, principal.tenantId, name, description, kind, JSON.stringify(input.rule), actorOf(principal).id],
        );
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION)
          throw conflict(`a segment named ${JSON.stringify(name)} exists already`, 'input.name');
        throw err;
      }
      if (kind === 'STATIC') await this.snapshot(em, principal.tenantId, id);
      return this.load(em, principal.tenantId, id);
    });
  }

  async update(
    principal: Principal,
    input: { id: string; name?: string | null; description?: string | null; rule?: unknown },
  ): Promise<SegmentView> {
    requireMarketingWrite(principal);
    const id = validate.requireUuid('input.id', input.id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const current = await this.load(em, principal.tenantId, id);
      const name = input.name == null ? current.name : validate.requiredText('input.name', input.name, 200);
      const description =
        input.description === undefined ? current.description : validate.text('input.description', input.description, { max: 2000 });
      const rule = input.rule === undefined || input.rule === null ? current.rule : input.rule;
      if (input.rule != null) await compileForTenant(em, this.settings, principal.tenantId, rule, { rootPath: 'input.rule' });
      try {
        await em.query(`UPDATE segments SET name = $3, description = $4, rule = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
          principal.tenantId,
          id,
          name,
          description,
          JSON.stringify(rule),
        ]);
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION)
          throw conflict(`a segment named ${JSON.stringify(name)} exists already`, 'input.name');
        throw err;
      }
      if (current.kind === 'STATIC' && input.rule != null) await this.snapshot(em, principal.tenantId, id);
      return this.load(em, principal.tenantId, id);
    });
  }

  async refresh(principal: Principal, id: string): Promise<SegmentView> {
    requireMarketingWrite(principal);
    const segmentId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const segment = await this.load(em, principal.tenantId, segmentId);
      if (segment.kind !== 'STATIC') throw badUserInput('id', 'only STATIC segments are snapshotted; DYNAMIC ones are always current');
      await this.snapshot(em, principal.tenantId, segmentId);
      return this.load(em, principal.tenantId, segmentId);
    });
  }

  async get(principal: Principal, id: string): Promise<SegmentView | null> {
    requireMarketingRead(principal);
    const segmentId = validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => this.find(em, principal.tenantId, segmentId));
  }

  async list(principal: Principal, args: PageArgs) {
    requireMarketingRead(principal);
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select: COLUMNS,
        from: `segments s WHERE s.tenant_id = $1`,
        params: [principal.tenantId],
        sortColumn: 's.created_at',
        idColumn: 's.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: SegmentRow) => [r.created_at.toISOString(), r.id],
        map: view,
      }),
    );
  }

  /** Members now: the snapshot of a STATIC segment, the rule's matches for a DYNAMIC one. */
  async count(principal: Principal, segment: SegmentView): Promise<number> {
    const scope = await this.sharing.readScope(principal, 'CONTACT');
    if (segment.kind === 'STATIC' && scope.all) return segment.snapshotCount ?? 0;
    return this.db.withTenant(principal.tenantId, async (em) => {
      const { from, params } = await this.membersFrom(em, principal.tenantId, segment);
      const visible = visibleSql(scope, 'c.owner_id', params);
      const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM ${from} AND ${visible}`, params);
      return n;
    });
  }

  async members(principal: Principal, segment: SegmentView, args: PageArgs) {
    requireMarketingRead(principal);
    const wanted = pageWindow(args);
    const scope = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const { from, params } = await this.membersFrom(em, principal.tenantId, segment);
      const visible = visibleSql(scope, 'c.owner_id', params);
      return paginateSql(em, {
        select: 'c.id',
        from: `${from} AND ${visible}`,
        params,
        sortColumn: 'c.id',
        idColumn: 'c.id',
        direction: 'ASC',
        ...wanted,
        cursorOf: (r: { id: string }) => [r.id, r.id],
        map: (r) => ({ __typename: 'Contact', id: r.id }),
      });
    });
  }

  /**
   * Segments a contact is in now, for Contact.marketing: every segment's
   * membership test in one statement (a 360° read must not cost a query per
   * segment).
   */
  async segmentsOf(em: EntityManager, tenantId: string, contactId: string): Promise<SegmentView[]> {
    const rows: SegmentRow[] = await em.query(
      `SELECT ${COLUMNS} FROM segments s WHERE s.tenant_id = $1 ORDER BY s.created_at DESC LIMIT 200`,
      [tenantId],
    );
    if (rows.length === 0) return [];
    const segments = rows.map(view);
    const context = await this.settings.ruleContext(em, tenantId);
    const params: unknown[] = [tenantId, contactId];
    const tests: string[] = [];
    for (const [i, segment] of segments.entries()) {
      const { source, where } = await this.memberParts(em, tenantId, segment, params, context);
      tests.push(`SELECT ${i} AS i WHERE EXISTS (SELECT 1 FROM ${source} WHERE ${where} AND c.id = $2)`);
    }
    const hits: { i: number }[] = await em.query(tests.join(' UNION ALL '), params);
    const member = new Set(hits.map((h) => h.i));
    return segments.filter((_, i) => member.has(i));
  }

  /**
   * FROM … WHERE for a segment's members (tenant as $1): a STATIC segment's
   * snapshot, a DYNAMIC segment's compiled rule. Stored rules were valid when
   * saved; one that no longer is (e.g. a tier since removed) fails loudly.
   */
  async membersFrom(
    em: EntityManager,
    tenantId: string,
    segment: SegmentView,
    context?: RuleContext,
  ): Promise<{ from: string; params: unknown[] }> {
    const { source, where, params } = await this.membersQuery(em, tenantId, segment, context);
    return { from: `${source} WHERE ${where}`, params };
  }

  /** The same as membersFrom in parts, for queries that join more tables between FROM and WHERE. */
  async membersQuery(
    em: EntityManager,
    tenantId: string,
    segment: SegmentView,
    context?: RuleContext,
  ): Promise<{ source: string; where: string; params: unknown[] }> {
    const params: unknown[] = [tenantId];
    return { ...(await this.memberParts(em, tenantId, segment, params, context)), params };
  }

  /** The source and condition of a segment's members, appending its parameters to `params` (whose $1 is the tenant). */
  private async memberParts(
    em: EntityManager,
    tenantId: string,
    segment: SegmentView,
    params: unknown[],
    context?: RuleContext,
  ): Promise<{ source: string; where: string }> {
    if (segment.kind === 'STATIC') {
      params.push(segment.id);
      return {
        source: `segment_members sm JOIN contacts c ON c.tenant_id = sm.tenant_id AND c.id = sm.contact_id`,
        where: `sm.tenant_id = $1 AND sm.segment_id = $${params.length} AND c.merged_into IS NULL AND c.deleted_at IS NULL`,
      };
    }
    const compiled = await compileForTenant(
      em,
      this.settings,
      tenantId,
      segment.rule,
      { rootPath: `segment(${segment.id}).rule`, paramOffset: params.length },
      context,
    );
    params.push(...compiled.params);
    return { source: 'contacts c', where: `${AUDIENCE_BASE} AND ${compiled.sql}` };
  }

  async load(em: EntityManager, tenantId: string, id: string): Promise<SegmentView> {
    const segment = await this.find(em, tenantId, id);
    if (!segment) throw notFound('Segment', id);
    return segment;
  }

  /** The segment, or null when there is none with this id (a failing query still throws). */
  async find(em: EntityManager, tenantId: string, id: string): Promise<SegmentView | null> {
    const [row]: SegmentRow[] = await em.query(`SELECT ${COLUMNS} FROM segments s WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id]);
    return row ? view(row) : null;
  }

  private async snapshot(em: EntityManager, tenantId: string, id: string): Promise<void> {
    const segment = await this.load(em, tenantId, id);
    const compiled = await compileForTenant(em, this.settings, tenantId, segment.rule, { rootPath: 'input.rule' });
    await em.query(`DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2`, [tenantId, id]);
    const params = [tenantId, ...compiled.params, id];
    await em.query(
      `INSERT INTO segment_members (tenant_id, segment_id, contact_id)
       SELECT $1, $${params.length}, c.id FROM contacts c WHERE ${AUDIENCE_BASE} AND ${compiled.sql}`,
      params,
    );
    await em.query(
      `UPDATE segments SET member_count = (SELECT count(*) FROM segment_members WHERE tenant_id = $1 AND segment_id = $2),
              snapshot_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
  }
}
