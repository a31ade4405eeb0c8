import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, forbidden, notFound, requireRoleOrScope, type Principal } from '@rapport/auth';
import { returnedRows } from '@rapport/persistence';
import { pageWindow, paginateSql, SERVICE_CONFIG, ServiceDatabase, validate, type PageArgs } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { IdentityConfig } from '../identity.env';
import { WebhookDeliveries } from './webhook-deliveries';
import { validEventTypes, validFilter } from './webhook-filter';
import { WebhookReplay } from './webhook-replay';
import { ATTEMPT_COLUMNS, DELIVERY_COLUMNS, ENDPOINT_COLUMNS, type AttemptRow, type DeliveryRow, type EndpointRow } from './webhook-rows';
import { WebhookSecrets } from './webhook-secrets';
import { newWebhookSecret } from './webhook-signing';
import { validEndpointUrl } from './webhook-target';

export interface EndpointInput {
  url?: string;
  eventTypes?: string[];
  filter?: Record<string, unknown> | null;
  description?: string | null;
  orderedBySubject?: boolean | null;
}

const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED'];

/** Managing endpoints needs the admin role or an API key with webhooks:write; reading also webhooks:read. */
function requireManage(principal: Principal): void {
  requireRoleOrScope(principal, ['admin'], 'webhooks:write');
}

function requireRead(principal: Principal): void {
  if (principal.kind === 'apiKey' && principal.scopes.includes('webhooks:read')) return;
  requireManage(principal);
}

/**
 * Webhook endpoints of a tenant: subscribed by an admin or a partner key,
 * delivered with the eyes of whoever created them (webhook-reader), their
 * deliveries listed with every attempt, redelivered one by one or replayed
 * from a point in time.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    private readonly db: ServiceDatabase,
    private readonly deliveries: WebhookDeliveries,
    private readonly replays: WebhookReplay,
    private readonly secrets: WebhookSecrets,
  ) {}

  async create(principal: Principal, input: EndpointInput): Promise<{ endpoint: EndpointRow; secret: string }> {
    requireManage(principal);
    if (principal.kind === 'customer') throw forbidden('customers cannot subscribe webhooks');
    const url = validEndpointUrl(input.url, this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
    const eventTypes = validEventTypes(input.eventTypes);
    const filter = validFilter(input.filter);
    const description = validate.text('description', input.description, { max: 500 });
    const secret = newWebhookSecret();
    const id = uuidv7();
    const endpoint = await this.db.withTenant(principal.tenantId, async (em) => {
      const rows = await em.query(
        `INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types, filter, ordered_by_subject, secret, owner_kind, owner_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${ENDPOINT_COLUMNS}`,
        [
          id,
          principal.tenantId,
          url,
          description,
          eventTypes,
          filter && JSON.stringify(filter),
          input.orderedBySubject ?? false,
          this.secrets.seal(id, secret),
          principal.kind,
          principal.id,
        ],
      );
      return rows[0] as EndpointRow;
    });
    return { endpoint, secret };
  }

  /** Changes what is given; enabling a disabled endpoint clears its failure record. */
  async update(principal: Principal, input: EndpointInput & { id: string; enabled?: boolean | null }): Promise<EndpointRow> {
    requireManage(principal);
    const id = validate.requireUuid('id', input.id);
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (input.url != null) set('url', validEndpointUrl(input.url, this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS));
    if (input.eventTypes != null) set('event_types', validEventTypes(input.eventTypes));
    if (input.filter !== undefined) set('filter', JSON.stringify(validFilter(input.filter)));
    if (input.description !== undefined) set('description', validate.text('description', input.description, { max: 500 }));
    if (input.orderedBySubject != null) set('ordered_by_subject', input.orderedBySubject);
    if (input.enabled != null) {
      set('enabled', input.enabled);
      if (input.enabled) sets.push('failing_since = NULL', 'disabled_at = NULL', 'disabled_reason = NULL');
      else sets.push(`disabled_at = coalesce(disabled_at, now())`, `disabled_reason = coalesce(disabled_reason, 'disabled by a user')`);
    }
    sets.push('updated_at = now()');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const updated = await em.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, params);
      const [row] = returnedRows<EndpointRow>(updated);
      if (!row) throw notFound('WebhookEndpoint', id);
      return row;
    });
  }

  /** A new secret; the previous one keeps signing (as a second signature) for the grace period. */
  async rotateSecret(
    principal: Principal,
    input: { endpointId: string; gracePeriodSeconds?: number | null },
  ): Promise<{ endpoint: EndpointRow; secret: string }> {
    requireManage(principal);
    const id = validate.requireUuid('endpointId', input.endpointId);
    const grace = input.gracePeriodSeconds ?? this.config.WEBHOOK_SECRET_GRACE_SECONDS;
    if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400)
      throw badUserInput('gracePeriodSeconds', 'must be between 0 and 2592000 (30 days)');
    const secret = newWebhookSecret();
    const endpoint = await this.db.withTenant(principal.tenantId, async (em) => {
      const updated = await em.query(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => $3),
                secret = $2, updated_at = now()
          WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [id, this.secrets.seal(id, secret), grace],
      );
      const [row] = returnedRows<EndpointRow>(updated);
      if (!row) throw notFound('WebhookEndpoint', id);
      return row;
    });
    return { endpoint, secret };
  }

  /**
   * Deliveries and attempts go with the endpoint (the foreign keys cascade); a
   * job still queued for one finds no row and does nothing.
   */
  async delete(principal: Principal, endpointId: string): Promise<string> {
    requireManage(principal);
    const id = validate.requireUuid('id', endpointId);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [row] = returnedRows<{ id: string }>(await em.query(`DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id`, [id]));
      if (!row) throw notFound('WebhookEndpoint', id);
      return row.id;
    });
  }

  async list(principal: Principal): Promise<EndpointRow[]> {
    requireRead(principal);
    return this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at DESC, id DESC`),
    );
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, EndpointRow>> {
    requireRead(principal);
    const rows: EndpointRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ANY($1)`, [ids]),
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  async listDeliveries(
    principal: Principal,
    args: PageArgs & {
      endpointId: string;
      filter?: { status?: string | null; eventType?: string | null } | null;
    },
  ) {
    requireRead(principal);
    const endpointId = validate.requireUuid('endpointId', args.endpointId);
    const wanted = pageWindow(args);
    const status = args.filter?.status ?? null;
    if (status !== null && !DELIVERY_STATUSES.includes(status))
      throw badUserInput('filter.status', `must be one of ${DELIVERY_STATUSES.join(', ')}`);
    const eventType = validate.text('filter.eventType', args.filter?.eventType, { max: 200 });
    return this.db.withTenant(principal.tenantId, async (em) => {
      await this.requireEndpoint(em, endpointId);
      return paginateSql(em, {
        select: DELIVERY_COLUMNS,
        from: `webhook_deliveries d WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR d.event_type = $3)`,
        params: [endpointId, status, eventType],
        sortColumn: 'd.seq',
        idColumn: 'd.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: DeliveryRow) => [Number(r.seq), r.id],
        map: (r: DeliveryRow) => r,
      });
    });
  }

  async attemptsOf(principal: Principal, deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const rows: AttemptRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT ${ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY attempt`, [deliveryIds]),
    );
    const out = new Map<string, AttemptRow[]>(deliveryIds.map((id) => [id, []]));
    for (const r of rows) out.get(r.deliveryId)?.push(r);
    return out;
  }

  /** Sends one delivery again, whatever its state: the same webhook-id, the next generation (a new job). */
  async redeliver(principal: Principal, deliveryId: string): Promise<DeliveryRow> {
    requireManage(principal);
    const id = validate.requireUuid('deliveryId', deliveryId);
    const row = await this.db.withTenant(principal.tenantId, async (em) => {
      const updated = await em.query(
        `UPDATE webhook_deliveries d SET status = 'PENDING', generation = generation + 1 WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [id],
      );
      const [r] = returnedRows<DeliveryRow>(updated);
      if (!r) throw notFound('WebhookDelivery', id);
      return r;
    });
    await this.deliveries.enqueue([{ tenantId: principal.tenantId, deliveryId: row.id, generation: row.generation }]);
    return row;
  }

  /** Queues a replay of every matching event since the instant; deliveries follow as the streams are read. */
  async replay(principal: Principal, input: { endpointId: string; since: Date }): Promise<{ endpoint: EndpointRow; since: Date }> {
    requireManage(principal);
    const endpointId = validate.requireUuid('endpointId', input.endpointId);
    if (!(input.since instanceof Date) || Number.isNaN(input.since.getTime())) throw badUserInput('since', 'is not a date-time');
    if (input.since.getTime() > Date.now()) throw badUserInput('since', 'must not be in the future');
    const endpoint = await this.db.withTenant(principal.tenantId, (em) => this.requireEndpoint(em, endpointId));
    if (!endpoint.enabled) throw badUserInput('endpointId', 'the endpoint is disabled; enable it before replaying');
    await this.replays.request({ tenantId: principal.tenantId, endpointId, since: input.since.toISOString() });
    return { endpoint, since: input.since };
  }

  private async requireEndpoint(em: EntityManager, id: string): Promise<EndpointRow> {
    const [row] = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
    if (!row) throw notFound('WebhookEndpoint', id);
    return row as EndpointRow;
  }
}
