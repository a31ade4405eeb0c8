import { Injectable } from '@nestjs/common';
import type { TenantAccessSettingsV1 } from '@rapport/contracts';
import { TenantDatabase } from '@rapport/persistence';
import { ReadCacheSignal } from '../read-cache-signal';
import type { EntityManager } from 'typeorm';

/** A tenant nobody has configured: the built-in matrix and default sharing. */
export const DEFAULT_ACCESS_SETTINGS: TenantAccessSettingsV1 = { revision: 0, fieldAccess: [], sharing: [] };

/**
 * How long a replica may act on settings it read before reading them again.
 * Another replica may have applied a change meanwhile; a few seconds bounds
 * how long a narrowing takes to be in force everywhere.
 */
export const FRESH_FOR_MS = 2_000;

interface Cached {
  settings: TenantAccessSettingsV1;
  readAt: number;
}

/** Reads a tenant's access settings from this service's own copy, with a short cache. */
@Injectable()
export class AccessSettingsStore {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly db: TenantDatabase,
    private readonly readCache: ReadCacheSignal,
  ) {}

  async forTenant(tenantId: string): Promise<TenantAccessSettingsV1> {
    const started = Date.now();
    const cached = this.cache.get(tenantId);
    if (cached && started - cached.readAt < FRESH_FOR_MS) return cached.settings;
    const settings = await this.db.withTenant(tenantId, (em) => readAccessSettings(em));
    // Fresh from when the read started: a change committed during the read is then in force FRESH_FOR_MS after its commit at the latest.
    this.cache.set(tenantId, { settings, readAt: started });
    return settings;
  }

  /**
   * The tenant's settings changed and this replica applied it: drops its copy
   * at once; other replicas act on theirs for up to FRESH_FOR_MS, so the
   * gateways' cached answers are dropped again after that (ADR 080).
   */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
    this.readCache.changedAgainAfter(tenantId, FRESH_FOR_MS);
  }
}

/** Inside a tenant transaction: the tenant's settings, or the defaults when it has none. */
export async function readAccessSettings(em: EntityManager): Promise<TenantAccessSettingsV1> {
  const [row] = await em.query(`SELECT settings FROM tenant_access_settings LIMIT 1`);
  return row ? (row.settings as TenantAccessSettingsV1) : DEFAULT_ACCESS_SETTINGS;
}

/** Stores the settings unless a newer revision is already there; true when they were stored. */
export async function writeAccessSettings(em: EntityManager, tenantId: string, settings: TenantAccessSettingsV1): Promise<boolean> {
  const rows = await em.query(
    `INSERT INTO tenant_access_settings (tenant_id, revision, settings, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (tenant_id) DO UPDATE SET revision = EXCLUDED.revision, settings = EXCLUDED.settings, updated_at = now()
     WHERE tenant_access_settings.revision < EXCLUDED.revision
     RETURNING tenant_id`,
    [tenantId, settings.revision, JSON.stringify(settings)],
  );
  return rows.length > 0;
}
