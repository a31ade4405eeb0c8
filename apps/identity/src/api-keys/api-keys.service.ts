import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, notFound, requireRole, unauthenticated, type Principal } from '@rapport/auth';
import { API_KEY_CREATED, API_KEY_REVOKED, unknownApiScopes } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { AuditRecorder, ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { TokenIssuer } from '../auth/token-issuer';
import { newApiKeySecret, parseApiKey, secretMatches } from './api-key-format';
import { ratePerMinuteOf } from '../quotas/caller-quotas.service';
import { ApiKeyEntity } from './api-key.entity';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: ServiceDatabase,
    private readonly tokens: TokenIssuer,
    private readonly audit: AuditRecorder,
  ) {}

  /** Returns the key once; only its hash is kept. */
  async create(
    principal: Principal,
    input: { name: string; scopes: string[]; ratePerMinute?: number | null },
  ): Promise<{ apiKey: ApiKeyEntity; secret: string }> {
    requireRole(principal, 'admin');
    const ratePerMinute = ratePerMinuteOf('ratePerMinute', input.ratePerMinute);
    const scopes = validate.listOf('scopes', input.scopes, 50);
    if (scopes.length === 0) throw badUserInput('scopes', 'at least one scope is required');
    const unknown = unknownApiScopes(scopes);
    if (unknown.length > 0) {
      throw badUserInput(
        'scopes',
        `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => JSON.stringify(s)).join(', ')}; see apiScopes for the catalogue`,
      );
    }
    const id = uuidv7();
    const { apiKey, secretHash } = newApiKeySecret(id);
    const entity = await this.db.withTenant(principal.tenantId, async (em) => {
      const row = em.getRepository(ApiKeyEntity).create({
        id,
        tenantId: principal.tenantId,
        name: validate.requiredText('name', input.name, 200),
        secretHash,
        scopes: [...new Set(scopes)],
        ratePerMinute,
        createdBy: principal.kind === 'user' ? principal.id : null,
        lastUsedAt: null,
        revokedAt: null,
      });
      await em.getRepository(ApiKeyEntity).insert(row);
      await this.db.publish(
        em,
        newEvent({
          type: API_KEY_CREATED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { apiKey: { id, name: row.name, scopes: row.scopes } },
        }),
      );
      return row;
    });
    return { apiKey: entity, secret: apiKey };
  }

  /**
   * The key stops being exchanged at once; identity.api_key.revoked makes the
   * gateway and every subgraph refuse the tokens already exchanged for it.
   */
  async revoke(principal: Principal, id: string): Promise<ApiKeyEntity> {
    requireRole(principal, 'admin');
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const repo = em.getRepository(ApiKeyEntity);
      const key = await repo.findOneBy({ id });
      if (!key) throw notFound('ApiKey', id);
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await repo.update({ id }, { revokedAt: key.revokedAt });
        await this.db.publish(
          em,
          newEvent({
            type: API_KEY_REVOKED,
            tenantId: principal.tenantId,
            actor: actorOf(principal),
            subjectId: key.id,
            data: { apiKey: { id: key.id, name: key.name, revokedAt: key.revokedAt.toISOString() } },
          }),
        );
      }
      return key;
    });
  }

  async list(principal: Principal): Promise<ApiKeyEntity[]> {
    requireRole(principal, 'admin');
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(ApiKeyEntity).find({ order: { createdAt: 'DESC' } }));
  }

  /**
   * The gateway trades a partner's API key for a short-lived access token,
   * so subgraphs only ever verify signed tokens. The lookup crosses tenants
   * (the key names its id, not its tenant), hence the owner connection.
   */
  async exchange(apiKey: string): Promise<{ accessToken: string; expiresAt: Date }> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) throw unauthenticated('malformed API key');
    const [row] = await this.dataSource.query(
      `SELECT k.id, k.tenant_id, k.secret_hash, k.scopes, k.rate_per_minute, k.revoked_at, t.disabled_at AS tenant_disabled_at
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1`,
      [parsed.keyId],
    );
    const actor = { kind: 'apiKey' as const, id: parsed.keyId };
    if (!row || row.revoked_at || !secretMatches(parsed.secret, row.secret_hash)) {
      if (row) {
        const reason = row.revoked_at ? 'revoked key' : 'wrong secret';
        await this.audit.recordNow({
          tenantId: row.tenant_id,
          action: 'apiKey.exchangeRefused',
          actor,
          objectType: 'ApiKey',
          objectId: row.id,
          details: { reason },
        });
      }
      throw unauthenticated('invalid or revoked API key');
    }
    if (row.tenant_disabled_at) throw unauthenticated("the API key's tenant is disabled");
    await this.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]);
    // Each exchange starts a few minutes of use by the key (the gateway caches its token); what it changes is audited per mutation.
    await this.audit.recordNow({ tenantId: row.tenant_id, action: 'apiKey.exchanged', actor, objectType: 'ApiKey', objectId: row.id });
    return this.tokens.forApiKey({ id: row.id, tenantId: row.tenant_id, scopes: row.scopes, ratePerMinute: row.rate_per_minute });
  }
}
