import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import type { ConsentChannelV1, ConsentPurposeV1, ConsentStatusV1, EventActor } from '@rapport/contracts';
import type { KeysetPage } from '@rapport/persistence';
import { AccessPolicy, type PageArgs, pageWindow, paginateSql, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireConsentRead } from '../access/marketing-access';
import { groupMembers } from './contact-groups';

/** One entry of `Contact.consentHistory`. */
export interface ConsentChangeView {
  id: string;
  contactId: string;
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  status: ConsentStatusV1;
  previousStatus: ConsentStatusV1 | null;
  source: string;
  proof: string | null;
  changedAt: Date;
  changedBy: { kind: 'USER' | 'API_KEY' | 'CUSTOMER' | 'SYSTEM'; id: string | null };
}

export interface ConsentHistoryArgs extends PageArgs {
  channel?: ConsentChannelV1 | null;
  purpose?: ConsentPurposeV1 | null;
}

interface Row {
  id: string;
  contact_id: string;
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  status: ConsentStatusV1;
  previous_status: ConsentStatusV1 | null;
  source: string;
  proof: string | null;
  changed_at: Date;
  actor_kind: EventActor['kind'];
  actor_id: string | null;
}

const ACTOR_KINDS = { user: 'USER', apiKey: 'API_KEY', customer: 'CUSTOMER', system: 'SYSTEM' } as const;

/**
 * Reads the consent history ConsentService.record keeps (one row per change,
 * never updated): the proof of who agreed to what, when, through which
 * form, that consent law asks a controller to show. Like Contact.consents it
 * covers the duplicates merged into the contact, since their decisions count
 * for it, and it has the same readers.
 */
@Injectable()
export class ConsentHistoryService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
  ) {}

  /** Newest first; the caller has already checked that the contact is visible to them (ContactVisibility). */
  async historyOf(principal: Principal, contactId: string, args: ConsentHistoryArgs): Promise<KeysetPage<ConsentChangeView>> {
    const id = validate.requireUuid('id', contactId);
    requireConsentRead(principal, id, await this.access.overrides(principal));
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) =>
      paginateSql(em, {
        select:
          'h.id, h.contact_id, h.channel, h.purpose, h.status, h.previous_status, h.source, h.proof, h.changed_at, h.actor_kind, h.actor_id',
        from: `consent_history h WHERE h.tenant_id = $1 AND h.contact_id IN ${groupMembers('$2::uuid')}
                 AND ($3::text IS NULL OR h.channel = $3) AND ($4::text IS NULL OR h.purpose = $4)`,
        params: [principal.tenantId, id, args.channel ?? null, args.purpose ?? null],
        sortColumn: 'h.changed_at',
        idColumn: 'h.id',
        direction: 'DESC',
        ...wanted,
        cursorOf: (r: Row) => [r.changed_at.toISOString(), r.id],
        map: view,
      }),
    );
  }
}

function view(r: Row): ConsentChangeView {
  return {
    id: r.id,
    contactId: r.contact_id,
    channel: r.channel,
    purpose: r.purpose,
    status: r.status,
    previousStatus: r.previous_status,
    source: r.source,
    proof: r.proof,
    changedAt: r.changed_at,
    changedBy: { kind: ACTOR_KINDS[r.actor_kind] ?? 'SYSTEM', id: r.actor_kind === 'system' ? null : r.actor_id },
  };
}
