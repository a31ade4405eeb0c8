import type { EventEnvelope } from '../envelope';
import type { ExternalIdV1 } from './contact.events';

export interface AccountSnapshotV1 {
  id: string;
  name: string;
  domain: string | null;
  industry: string | null;
  ownerId: string | null;
  /** Identifiers in other systems (added without a new version: optional, older producers omit it). */
  externalIds?: ExternalIdV1[];
  createdAt: string;
  updatedAt: string;
}

export const ACCOUNT_CREATED = 'sales.account.created' as const;
export type AccountCreatedV1 = EventEnvelope<typeof ACCOUNT_CREATED, { account: AccountSnapshotV1 }>;

export const ACCOUNT_UPDATED = 'sales.account.updated' as const;
export type AccountUpdatedV1 = EventEnvelope<typeof ACCOUNT_UPDATED, { account: AccountSnapshotV1; changed: string[] }>;
