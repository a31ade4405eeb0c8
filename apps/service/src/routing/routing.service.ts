import { Injectable } from '@nestjs/common';
import { badUserInput, notFound, type Principal } from '@rapport/auth';
import { CASE_ASSIGNED, type EventActor } from '@rapport/contracts';
import { recordNotification } from '../notifications/notification-record';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { OwnerDirectory, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requireAvailabilityChange, requireServiceAdmin, requireServiceConfigRead } from '../access/service-access';
import type { CaseEntity } from '../cases/case.entity';
import { CATEGORIES, CHANNELS, PRIORITIES } from '../cases/case-rules';
import { storeAssignment } from '../cases/case-rows';
import { chooseQueue, pickAgent, type RoutableCase, type RuleConditions } from './routing-rules';

export interface QueueView {
  id: string;
  name: string;
  strategy: 'ROUND_ROBIN' | 'LEAST_OPEN';
  isDefault: boolean;
  /** Told about escalations into the queue. */
  managerId: string | null;
}

export interface QueueRuleView extends RuleConditions {
  id: string;
  position: number;
}

export type AssignmentReason = 'RULE' | 'MANUAL' | 'ESCALATION';

const QUEUE_COLUMNS = `id, name, strategy, is_default AS "isDefault", manager_id AS "managerId"`;

/** Support queues, routing rules, and assignment of cases within a queue. */
@Injectable()
export class RoutingService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
  ) {}

  async createQueue(
    principal: Principal,
    input: { name: string; strategy?: QueueView['strategy'] | null; isDefault?: boolean | null; agentIds?: string[] | null },
  ): Promise<QueueView> {
    requireServiceAdmin(principal);
    const name = validate.requiredText('name', input.name, 100);
    const agentIds = [
      ...new Set(validate.listOf('agentIds', input.agentIds, 200).map((id, i) => validate.requireUuid(`agentIds[${i}]`, id))),
    ];
    const id = uuidv7();
    await this.owners.awaitInFlight(principal, agentIds);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.owners.requireOwners(
        em,
        principal,
        agentIds.map((agentId, i) => ({ field: `agentIds[${i}]`, id: agentId })),
      );
      if (input.isDefault) await em.query(`UPDATE support_queues SET is_default = false WHERE is_default`);
      await em.query(`INSERT INTO support_queues (id, tenant_id, name, strategy, is_default) VALUES ($1, $2, $3, $4, $5)`, [
        id,
        principal.tenantId,
        name,
        input.strategy ?? 'ROUND_ROBIN',
        input.isDefault ?? false,
      ]);
      for (const agentId of agentIds) {
        await em.query(`INSERT INTO queue_members (tenant_id, queue_id, agent_id) VALUES ($1, $2, $3)`, [principal.tenantId, id, agentId]);
      }
      return (await this.queuesById(em, [id])).get(id) as QueueView;
    });
  }

  async setAvailability(principal: Principal, input: { queueId: string; agentId: string; available: boolean }): Promise<QueueView> {
    const queueId = validate.requireUuid('queueId', input.queueId);
    const agentId = validate.requireUuid('agentId', input.agentId);
    requireAvailabilityChange(principal, agentId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const updated = await em.query(`UPDATE queue_members SET available = $3 WHERE queue_id = $1 AND agent_id = $2 RETURNING agent_id`, [
        queueId,
        agentId,
        input.available,
      ]);
      if (returnedRows(updated).length === 0) throw notFound('QueueMember', agentId);
      return (await this.queuesById(em, [queueId])).get(queueId) as QueueView;
    });
  }

  async addMember(principal: Principal, input: { queueId: string; agentId: string }): Promise<QueueView> {
    requireServiceAdmin(principal);
    const queueId = validate.requireUuid('queueId', input.queueId);
    const agentId = validate.requireUuid('agentId', input.agentId);
    await this.owners.awaitInFlight(principal, [agentId]);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.requireQueue(em, queueId);
      await this.owners.requireOwners(em, principal, [{ field: 'agentId', id: agentId }]);
      await em.query(`INSERT INTO queue_members (tenant_id, queue_id, agent_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
        principal.tenantId,
        queueId,
        agentId,
      ]);
      return (await this.queuesById(em, [queueId])).get(queueId) as QueueView;
    });
  }

  /** The agent gets no new cases from the queue; the cases they own stay theirs (reassign them with assignCase). */
  async removeMember(principal: Principal, input: { queueId: string; agentId: string }): Promise<QueueView> {
    requireServiceAdmin(principal);
    const queueId = validate.requireUuid('queueId', input.queueId);
    const agentId = validate.requireUuid('agentId', input.agentId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.requireQueue(em, queueId);
      const removed = await em.query(`DELETE FROM queue_members WHERE queue_id = $1 AND agent_id = $2 RETURNING agent_id`, [
        queueId,
        agentId,
      ]);
      if (returnedRows(removed).length === 0) throw notFound('QueueMember', agentId);
      return (await this.queuesById(em, [queueId])).get(queueId) as QueueView;
    });
  }

  async createRule(
    principal: Principal,
    input: {
      queueId: string;
      position: number;
      category?: string | null;
      priority?: string | null;
      channel?: string | null;
      tier?: string | null;
    },
  ): Promise<QueueRuleView> {
    requireServiceAdmin(principal);
    const queueId = validate.requireUuid('queueId', input.queueId);
    if (!Number.isInteger(input.position) || input.position < 0 || input.position > 100_000)
      throw badUserInput('position', 'must be 0–100000');
    const oneOf = (field: string, v: string | null | undefined, allowed: readonly string[]) => {
      if (v != null && !allowed.includes(v)) throw badUserInput(field, `must be one of ${allowed.join(', ')}`);
      return v ?? null;
    };
    const rule: QueueRuleView = {
      id: uuidv7(),
      queueId,
      position: input.position,
      category: oneOf('category', input.category, CATEGORIES),
      priority: oneOf('priority', input.priority, PRIORITIES),
      channel: oneOf('channel', input.channel, CHANNELS),
      tier: validate.text('tier', input.tier, { max: 50 }),
    };
    return this.db.withTenant(principal.tenantId, async (em) => {
      if (!(await this.queuesById(em, [queueId])).has(queueId)) throw notFound('SupportQueue', queueId);
      await em.query(
        `INSERT INTO queue_rules (id, tenant_id, queue_id, position, category, priority, channel, tier) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [rule.id, principal.tenantId, queueId, rule.position, rule.category, rule.priority, rule.channel, rule.tier],
      );
      return rule;
    });
  }

  async listQueues(principal: Principal): Promise<QueueView[]> {
    requireServiceConfigRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => em.query(`SELECT ${QUEUE_COLUMNS} FROM support_queues ORDER BY name, id`));
  }

  async listRules(principal: Principal): Promise<QueueRuleView[]> {
    requireServiceConfigRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => this.rules(em));
  }

  /** Queues by id for field resolvers (any caller who can see a case may see its queue's name). */
  async getQueues(principal: Principal, ids: readonly string[]): Promise<Map<string, QueueView>> {
    return this.db.withTenant(principal.tenantId, (em) => this.queuesById(em, ids));
  }

  async membersOf(principal: Principal, queueIds: readonly string[]): Promise<Map<string, { agentId: string; available: boolean }[]>> {
    requireServiceConfigRead(principal);
    const rows: { queueId: string; agentId: string; available: boolean }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT queue_id AS "queueId", agent_id AS "agentId", available FROM queue_members WHERE queue_id = ANY($1::uuid[]) ORDER BY agent_id`,
        [[...queueIds]],
      ),
    );
    const out = new Map<string, { agentId: string; available: boolean }[]>(queueIds.map((id) => [id, []]));
    for (const r of rows) out.get(r.queueId)?.push({ agentId: r.agentId, available: r.available });
    return out;
  }

  /** The person told when a case escalates into the queue; false when there is no such queue. */
  async setManager(em: EntityManager, queueId: string, managerId: string | null): Promise<boolean> {
    const updated = await em.query(`UPDATE support_queues SET manager_id = $2 WHERE id = $1 RETURNING id`, [queueId, managerId]);
    return returnedRows(updated).length > 0;
  }

  async queuesById(em: EntityManager, ids: readonly string[]): Promise<Map<string, QueueView>> {
    const rows: QueueView[] = await em.query(`SELECT ${QUEUE_COLUMNS} FROM support_queues WHERE id = ANY($1::uuid[])`, [[...ids]]);
    return new Map(rows.map((q) => [q.id, q]));
  }

  private rules(em: EntityManager): Promise<QueueRuleView[]> {
    return em.query(
      `SELECT id, queue_id AS "queueId", position, category, priority, channel, tier FROM queue_rules ORDER BY position, created_at, id`,
    );
  }

  /** The queue for a new case: first matching rule, else the tenant's default queue, else none. */
  async routeQueue(em: EntityManager, c: RoutableCase): Promise<string | null> {
    const [def]: { id: string }[] = await em.query(`SELECT id FROM support_queues WHERE is_default LIMIT 1`);
    return chooseQueue(c, await this.rules(em), def?.id ?? null);
  }

  /** The next agent of the queue by its strategy (locks the queue row, so concurrent openings take turns). */
  async nextAgent(em: EntityManager, queueId: string): Promise<string | null> {
    const [queue]: { strategy: QueueView['strategy']; last: string | null }[] = await em.query(
      `SELECT strategy, last_assigned_agent_id AS last FROM support_queues WHERE id = $1 FOR UPDATE`,
      [queueId],
    );
    if (!queue) return null;
    const members: { agentId: string; openCases: number }[] = await em.query(
      `SELECT m.agent_id AS "agentId",
              (SELECT count(*)::int FROM cases c WHERE c.owner_id = m.agent_id AND c.status IN ('NEW', 'OPEN', 'PENDING_CUSTOMER')) AS "openCases"
         FROM queue_members m WHERE m.queue_id = $1 AND m.available`,
      [queueId],
    );
    const agent = pickAgent(queue.strategy, members, queue.last);
    if (agent) await em.query(`UPDATE support_queues SET last_assigned_agent_id = $2 WHERE id = $1`, [queueId, agent]);
    return agent;
  }

  /**
   * Moves the case to the queue and owner (picking the owner within the
   * queue when none is given), records the assignment and publishes
   * service.case.assigned through the outbox — all in the caller's
   * transaction. Mutates `c`.
   */
  async assign(
    em: EntityManager,
    c: CaseEntity,
    target: { queueId: string | null; ownerId?: string | null },
    reason: AssignmentReason,
    actor: EventActor,
  ): Promise<void> {
    const ownerId = target.ownerId !== undefined ? target.ownerId : target.queueId ? await this.nextAgent(em, target.queueId) : null;
    const previousOwnerId = c.ownerId;
    const now = new Date();
    c.queueId = target.queueId;
    c.ownerId = ownerId;
    c.updatedAt = now;
    await storeAssignment(em, c.id, c.queueId, c.ownerId, now);
    await em.query(
      `INSERT INTO case_assignments (id, tenant_id, case_id, queue_id, owner_id, previous_owner_id, reason, assigned_at, actor_kind, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [uuidv7(), c.tenantId, c.id, c.queueId, c.ownerId, previousOwnerId, reason, now, actor.kind, actor.id],
    );
    await this.db.publish(
      em,
      newEvent({
        type: CASE_ASSIGNED,
        tenantId: c.tenantId,
        actor,
        subjectId: c.id,
        data: { caseId: c.id, queueId: c.queueId, ownerId: c.ownerId, previousOwnerId, reason },
      }),
    );
    // The new owner learns of it, unless they took the case themselves.
    const tookItThemselves = actor.kind === 'user' && actor.id === c.ownerId;
    if (c.ownerId && c.ownerId !== previousOwnerId && !tookItThemselves)
      await recordNotification(this.db, em, c.tenantId, { recipientId: c.ownerId, kind: 'CASE_ASSIGNED', caseId: c.id, createdAt: now });
  }

  /** For manual reassignment: the queue must exist in the tenant. */
  async requireQueue(em: EntityManager, queueId: string): Promise<void> {
    if (!(await this.queuesById(em, [queueId])).has(queueId)) throw notFound('SupportQueue', queueId);
  }
}
