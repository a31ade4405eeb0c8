import type { EventEnvelope } from '../envelope';
import type { FieldAccessOverrideV1 } from './field-access';
import type { SharingRuleV1 } from './sharing';

/**
 * A tenant's access settings after a change, whole: every service replaces
 * its copy with it, so a consumer needs no history and a redelivered or late
 * event is recognised by `revision` (higher wins). Settings absent here are
 * the built-in defaults.
 */
export interface TenantAccessSettingsV1 {
  /** Increases by one with every change of the tenant's settings. */
  revision: number;
  fieldAccess: FieldAccessOverrideV1[];
  sharing: SharingRuleV1[];
}

export const ACCESS_CHANGED = 'identity.access.changed' as const;
export type AccessChangedV1 = EventEnvelope<
  typeof ACCESS_CHANGED,
  { settings: TenantAccessSettingsV1; changed: 'fieldAccess' | 'sharing' }
>;
