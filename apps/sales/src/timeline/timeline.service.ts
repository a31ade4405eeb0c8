import { Injectable } from '@nestjs/common';
import { forbidden, type Principal } from '@rapport/auth';
import type { KeysetPage } from '@rapport/persistence';
import { paginate, ServiceDatabase, validate, AccessPolicy } from '@rapport/service-kit';
import { requireRead } from '../access/sales-access';
import { TimelineEntryEntity } from './timeline-entry.entity';

export interface TimelineArgs {
  first?: number | null;
  after?: string | null;
}

/** Reads a contact's or account's timeline, newest first, a keyset page at a time. */
@Injectable()
export class TimelineService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
  ) {}

  async timelineOf(principal: Principal, subjectType: 'CONTACT' | 'ACCOUNT', subjectId: string, args: TimelineArgs) {
    // Staff (and partners with the record's read scope); customers never see internal notes and activities.
    if (principal.kind === 'customer') throw forbidden('the timeline is for staff only');
    requireRead(principal, subjectType === 'CONTACT' ? 'contacts' : 'accounts', await this.access.overrides(principal));
    const first = validate.pageSize(args.first);
    return this.db.withTenant(principal.tenantId, (em): Promise<KeysetPage<TimelineEntryEntity>> =>
      paginate(
        em
          .getRepository(TimelineEntryEntity)
          .createQueryBuilder('t')
          .where('t.subject_type = :subjectType AND t.subject_id = :subjectId', { subjectType, subjectId }),
        {
          first,
          after: args.after,
          sortColumn: 't.occurred_at',
          idColumn: 't.id',
          direction: 'DESC',
          cursorOf: (t) => [t.occurredAt.toISOString(), t.id],
        },
      ),
    );
  }
}
