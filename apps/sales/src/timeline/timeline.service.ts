import { Injectable } from '@nestjs/common';
import { allowsFieldAccess, forbidden, NO_RECORD, type FieldAccessOverrides, type Principal } from '@rapport/auth';
import type { KeysetPage } from '@rapport/persistence';
import { AccessPolicy, type PageArgs, pageWindow, paginate, ServiceDatabase, SharingPolicy } from '@rapport/service-kit';
import { canRead, requireRead } from '../access/sales-access';
import { TimelineEntryEntity } from './timeline-entry.entity';
import { timelineVisible, type TimelineReader } from './timeline-visibility';

/** A timeline is paged like any connection. */
export type TimelineArgs = PageArgs;

/** Reads a contact's or account's timeline, newest first, a keyset page at a time. */
@Injectable()
export class TimelineService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
  ) {}

  async timelineOf(principal: Principal, subjectType: 'CONTACT' | 'ACCOUNT', subjectId: string, args: TimelineArgs) {
    // Staff (and partners with the record's read scope); customers never see internal notes and activities.
    if (principal.kind === 'customer') throw forbidden('the timeline is for staff only');
    const overrides = await this.access.overrides(principal);
    requireRead(principal, subjectType === 'CONTACT' ? 'contacts' : 'accounts', overrides);
    const wanted = pageWindow(args);
    const visible = timelineVisible(await this.reader(principal, overrides));
    return this.db.withTenant(principal.tenantId, (em): Promise<KeysetPage<TimelineEntryEntity>> =>
      paginate(
        em
          .getRepository(TimelineEntryEntity)
          .createQueryBuilder('t')
          .where('t.subject_type = :subjectType AND t.subject_id = :subjectId', { subjectType, subjectId })
          // In the query, so pages and totalCount hold only entries the caller may see.
          .andWhere(visible.sql, visible.params)
          // An entry about a record deleted elsewhere (a case in its restore window) waits hidden.
          .andWhere('NOT t.withdrawn'),
        {
          ...wanted,
          sortColumn: 't.occurred_at',
          idColumn: 't.id',
          direction: 'DESC',
          cursorOf: (t) => [t.occurredAt.toISOString(), t.id],
        },
      ),
    );
  }

  private async reader(principal: Principal, overrides: FieldAccessOverrides): Promise<TimelineReader> {
    const [LEAD, CONTACT, ACCOUNT, OPPORTUNITY, CASE] = await Promise.all(
      (['LEAD', 'CONTACT', 'ACCOUNT', 'OPPORTUNITY', 'CASE'] as const).map((object) => this.sharing.readScope(principal, object)),
    );
    const opportunities = canRead(principal, 'opportunities', overrides) ? OPPORTUNITY : null;
    const leads = canRead(principal, 'leads', overrides) ? LEAD : null;
    return {
      opportunities,
      quotes: canRead(principal, 'quotes', overrides) ? OPPORTUNITY : null,
      leads,
      // A note about a deal tells about the deal: hidden from a role that reads no deals.
      activityTargets: { LEAD: leads ?? NO_RECORD, CONTACT, ACCOUNT, OPPORTUNITY: opportunities ?? NO_RECORD },
      cases: allowsFieldAccess(principal, 'CASES', 'READ', overrides) ? CASE : null,
      orders: allowsFieldAccess(principal, 'ORDERS', 'READ', overrides),
      messages: allowsFieldAccess(principal, 'MARKETING_PROFILE', 'READ', overrides),
      consents: allowsFieldAccess(principal, 'CONSENTS', 'READ', overrides),
    };
  }
}
