import type { EventEnvelope } from '../envelope';

/** A customer answered the satisfaction request of a resolution (once per resolution). */
export const CASE_RATED = 'service.case.rated' as const;
export type CaseRatedV1 = EventEnvelope<
  typeof CASE_RATED,
  {
    caseId: string;
    /** The satisfaction request answered; a re-resolved case gets a new one. */
    requestId: string;
    contactId: string;
    /** 1 (very unhappy) … 5 (very happy). */
    rating: number;
    comment: string | null;
    ratedAt: string;
  }
>;

/** What a notification is about. Delivery (email, push) is up to channel adapters; service only records it. */
export type ServiceNotificationKindV1 =
  'CASE_ESCALATED' | 'ACTIVITY_DUE' | 'WEBHOOK_DISABLED' | 'CASE_ASSIGNED' | 'SLA_WARNING' | 'SLA_BREACHED';
