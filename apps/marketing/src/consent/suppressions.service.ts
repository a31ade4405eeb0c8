import { Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import { returnedRows } from '@rapport/persistence';
import { AccessPolicy, type PageArgs, pageWindow, paginateSql, ServiceDatabase, validate, type WaitBudget } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireConsentWrite, requireMarketingRead, requireMarketingWrite } from '../access/marketing-access';
import { KnownContacts } from '../contacts/known-contacts';
import type { SendChannel } from '../vocabulary/messages';
import { groupMembers } from './contact-groups';

type Channel = SendChannel;

export interface SuppressionView {
  channel: Channel;
  address: string;
  reason: string;
  detail: string | null;
  createdAt: Date;
}

interface Row {
  channel: Channel;
  address: string;
  reason: string;
  detail: string | null;
  created_at: Date;
}

const view = (r: Row): SuppressionView => ({
  channel: r.channel,
  address: r.address,
  reason: r.reason,
  detail: r.detail,
  createdAt: r.created_at,
});

/** Addresses are compared as sent: emails lower-cased, numbers and tokens trimmed. */
export function normaliseAddress(channel: Channel, address: string): string {
  const v = address.trim();
  return channel === 'EMAIL' ? v.toLowerCase() : v;
}

/** The suppression list and push devices: where nothing may go, and where push messages go. */
@Injectable()
export class SuppressionsService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly known: KnownContacts,
  ) {}

  async suppress(principal: Principal, input: { channel: Channel; address: string; detail?: string | null }): Promise<SuppressionView> {
    requireMarketingWrite(principal);
    const address = normaliseAddress(input.channel, validate.requiredText('input.address', input.address, 500));
    const detail = validate.text('input.detail', input.detail, { max: 1000 });
    const [row]: Row[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `INSERT INTO suppressions (tenant_id, channel, address, reason, detail) VALUES ($1, $2, $3, 'MANUAL', $4)
         ON CONFLICT (tenant_id, channel, address) DO UPDATE SET detail = coalesce(EXCLUDED.detail, suppressions.detail)
         RETURNING channel, address, reason, detail, created_at`,
        [principal.tenantId, input.channel, address, detail],
      ),
    );
    return view(row);
  }

  async unsuppress(principal: Principal, channel: Channel, address: string): Promise<boolean> {
    requireMarketingWrite(principal);
    const result: unknown = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`DELETE FROM suppressions WHERE tenant_id = $1 AND channel = $2 AND address = $3 RETURNING address`, [
        principal.tenantId,
        channel,
        normaliseAddress(channel, address),
      ]),
    );
    return returnedRows(result).length > 0;
  }

  async list(principal: Principal, args: PageArgs & { channel?: Channel | null }) {
    requireMarketingRead(principal);
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select: 's.channel, s.address, s.reason, s.detail, s.created_at',
        from: `suppressions s WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.channel = $2)`,
        params: [principal.tenantId, args.channel ?? null],
        sortColumn: 's.created_at',
        idColumn: 's.address',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: Row) => [r.created_at.toISOString(), r.address],
        map: view,
      }),
    );
  }

  /** The suppressed addresses of a contact (and its merged duplicates). */
  async entriesOf(em: EntityManager, tenantId: string, contactId: string): Promise<SuppressionView[]> {
    const rows: Row[] = await em.query(
      `SELECT s.channel, s.address, s.reason, s.detail, s.created_at FROM suppressions s
        WHERE s.tenant_id = $1 AND (
          (s.channel = 'EMAIL' AND s.address IN (SELECT unnest(c.emails) FROM contacts c WHERE c.tenant_id = $1 AND c.id IN ${groupMembers('$2::uuid')}))
          OR (s.channel = 'SMS' AND s.address IN (SELECT unnest(c.phones) FROM contacts c WHERE c.tenant_id = $1 AND c.id IN ${groupMembers('$2::uuid')}))
          OR (s.channel = 'PUSH' AND s.address IN (SELECT d.token FROM push_devices d WHERE d.tenant_id = $1 AND d.contact_id IN ${groupMembers('$2::uuid')})))
        ORDER BY s.created_at DESC`,
      [tenantId, contactId],
    );
    return rows.map(view);
  }

  async registerDevice(
    principal: Principal,
    input: { contactId: string; token: string; platform: string },
    wait: WaitBudget,
  ): Promise<boolean> {
    const contactId = validate.requireUuid('input.contactId', input.contactId);
    requireConsentWrite(principal, contactId, await this.access.overrides(principal));
    const token = validate.requiredText('input.token', input.token, 4096);
    const platform = validate.requiredText('input.platform', input.platform, 40).toLowerCase();
    if (/\s/.test(token)) throw badUserInput('input.token', 'a device token has no spaces');
    await this.known.require(principal.tenantId, contactId, 'input.contactId', wait);
    await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `INSERT INTO push_devices (tenant_id, token, contact_id, platform) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, token) DO UPDATE SET contact_id = EXCLUDED.contact_id, platform = EXCLUDED.platform, created_at = now()`,
        [principal.tenantId, token, contactId, platform],
      ),
    );
    return true;
  }
}
