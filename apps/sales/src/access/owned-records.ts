import { Injectable } from '@nestjs/common';
import { inScope, notFound, type Principal, type RecordScope } from '@rapport/auth';
import { SharingPolicy } from '@rapport/service-kit';
import { requireChangeOwned } from './sales-access';

const OBJECT = { leads: 'LEAD', opportunities: 'OPPORTUNITY' } as const;
const TYPENAME = { leads: 'Lead', opportunities: 'Opportunity' } as const;

export type OwnedRecord = 'leads' | 'opportunities';

/** What the caller may see and change of leads or of opportunities under the tenant's sharing rule. */
export interface OwnedScopes {
  read: RecordScope;
  write: RecordScope;
}

/**
 * The tenant's sharing rules on leads and opportunities. The scopes are
 * resolved before a write's transaction starts (they read the settings and
 * the caller's team on their own connections, briefly cached), so a
 * transaction never waits for a second pooled connection.
 */
@Injectable()
export class OwnedRecords {
  constructor(private readonly sharing: SharingPolicy) {}

  async scopes(principal: Principal, record: OwnedRecord): Promise<OwnedScopes> {
    return this.sharing.scopes(principal, OBJECT[record]);
  }

  canSee(principal: Principal, record: OwnedRecord, ownerId: string | null): Promise<boolean> {
    return this.sharing.canRead(principal, OBJECT[record], ownerId);
  }
}

/**
 * For a change to an existing lead or opportunity: one the caller may not see
 * is NOT_FOUND (as if it did not exist), one they see but may not change
 * FORBIDDEN.
 */
export function requireChangeShared(
  principal: Principal,
  record: OwnedRecord,
  row: { id: string; ownerId: string | null },
  scopes: OwnedScopes,
): void {
  if (!inScope(scopes.read, row.ownerId)) throw notFound(TYPENAME[record], row.id);
  requireChangeOwned(principal, record, row.ownerId, scopes.write);
}
