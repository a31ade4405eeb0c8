import type { EventEnvelope } from '../envelope';

export const WEBHOOK_DISABLED = 'platform.webhook.disabled' as const;

/**
 * An endpoint kept failing for longer than the operator allows and no longer
 * receives deliveries until an admin enables it again. `notify` lists the
 * tenant's active admins at that moment (identity knows them; the service
 * that keeps in-app notifications does not).
 */
export type WebhookDisabledV1 = EventEnvelope<
  typeof WEBHOOK_DISABLED,
  {
    endpoint: { id: string; url: string; failingSince: string; disabledAt: string; reason: string };
    notify: string[];
  }
>;
