import { Injectable } from '@nestjs/common';
import { notFound, type Principal } from '@rapport/auth';
import { SharingPolicy } from '@rapport/service-kit';
import { requireChangeOwned } from './sales-access';

const OBJECT = { leads: 'LEAD', opportunities: 'OPPORTUNITY' } as const;
const TYPENAME = { leads: 'Lead', opportunities: 'Opportunity' } as const;

/**
 * The tenant's sharing rules on leads and opportunities for a change to an
 * existing one: a record the caller may not see is NOT_FOUND (as if it did
 * not exist), one they see but may not change FORBIDDEN.
 */
@Injectable()
export class OwnedRecords {
  constructor(private readonly sharing: SharingPolicy) {}

  async requireChange(principal: Principal, record: 'leads' | 'opportunities', row: { id: string; ownerId: string | null }): Promise<void> {
    if (!(await this.canSee(principal, record, row.ownerId))) throw notFound(TYPENAME[record], row.id);
    requireChangeOwned(principal, record, row.ownerId, await this.sharing.writeScope(principal, OBJECT[record]));
  }

  canSee(principal: Principal, record: 'leads' | 'opportunities', ownerId: string | null): Promise<boolean> {
    return this.sharing.canRead(principal, OBJECT[record], ownerId);
  }
}
