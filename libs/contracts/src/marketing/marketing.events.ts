import type { EventEnvelope } from '../envelope';

/** Channels a contact can consent to being reached on. Sends go out over EMAIL, SMS and PUSH. */
export type ConsentChannelV1 = 'EMAIL' | 'SMS' | 'PHONE' | 'POST' | 'PUSH';
/** What the contact is reached for. */
export type ConsentPurposeV1 = 'MARKETING' | 'SERVICE' | 'RESEARCH';
/** PENDING: asked for (double opt-in mail sent), not yet confirmed; counts as no consent. */
export type ConsentStatusV1 = 'OPTED_IN' | 'OPTED_OUT' | 'PENDING';

/** A contact's consent for one channel and purpose changed (subjectId = contact id). */
export interface ConsentChangedDataV1 {
  contactId: string;
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  previousStatus: ConsentStatusV1 | null;
  status: ConsentStatusV1;
  /** Where the change came from, e.g. "web-form", "unsubscribe-link", "import", "agent". */
  source: string;
  /** Evidence kept with the change, e.g. "double-opt-in:confirmed". */
  proof: string | null;
  /** ISO-8601 UTC. */
  changedAt: string;
}

export const CONSENT_CHANGED = 'marketing.consent.changed' as const;
export type ConsentChangedV1 = EventEnvelope<typeof CONSENT_CHANGED, ConsentChangedDataV1>;

/** Data of every message lifecycle event (subjectId = message id). */
export interface MessageEventDataV1 {
  messageId: string;
  contactId: string;
  channel: 'EMAIL' | 'SMS' | 'PUSH';
  /** The campaign and variant the message belongs to; null for journey messages. */
  campaignId: string | null;
  variantKey: string | null;
  /** The journey the message belongs to; null for campaign messages. */
  journeyId: string | null;
  /** ISO-8601 UTC. */
  occurredAt: string;
  /** Bounce reason, clicked link, provider id — whatever the event adds. */
  detail: string | null;
}

export const MESSAGE_SENT = 'marketing.message.sent' as const;
export const MESSAGE_DELIVERED = 'marketing.message.delivered' as const;
export const MESSAGE_OPENED = 'marketing.message.opened' as const;
export const MESSAGE_CLICKED = 'marketing.message.clicked' as const;
export const MESSAGE_BOUNCED = 'marketing.message.bounced' as const;
export const MESSAGE_UNSUBSCRIBED = 'marketing.message.unsubscribed' as const;
export type MessageEventTypeV1 =
  | typeof MESSAGE_SENT
  | typeof MESSAGE_DELIVERED
  | typeof MESSAGE_OPENED
  | typeof MESSAGE_CLICKED
  | typeof MESSAGE_BOUNCED
  | typeof MESSAGE_UNSUBSCRIBED;
export type MessageEventV1 = EventEnvelope<MessageEventTypeV1, MessageEventDataV1>;

/** Attribution models a conversion is credited under. */
export type AttributionModelV1 = 'LAST_TOUCH' | 'FIRST_TOUCH';

/**
 * An order was credited to a campaign (subjectId = the order id), once per
 * model. Control-group members convert too (group CONTROL, no message):
 * that is what uplift is measured against.
 */
export interface ConversionAttributedDataV1 {
  conversionId: string;
  orderId: string;
  contactId: string;
  campaignId: string;
  /** The variant the contact was assigned; null for the control group. */
  variantKey: string | null;
  group: 'VARIANT' | 'CONTROL';
  /** The message credited; null for the control group. */
  messageId: string | null;
  model: AttributionModelV1;
  /** Exact decimal string. */
  amount: string;
  currency: string;
  /** When the order was placed (ISO-8601 UTC). */
  occurredAt: string;
}

export const CONVERSION_ATTRIBUTED = 'marketing.conversion.attributed' as const;
export type ConversionAttributedV1 = EventEnvelope<typeof CONVERSION_ATTRIBUTED, ConversionAttributedDataV1>;

/**
 * A service-recovery journey (journey purpose SERVICE_RECOVERY) reached a
 * CREATE_TASK step for a contact with an open complaint: sales creates a
 * task on the contact for its owner (subjectId = requestId, unique per step
 * run, so a redelivery creates one task).
 */
export interface RecoveryTaskRequestedDataV1 {
  requestId: string;
  journeyId: string;
  enrollmentId: string;
  contactId: string;
  subject: string;
  body: string | null;
  /** ISO-8601 UTC. */
  dueAt: string;
}

export const RECOVERY_TASK_REQUESTED = 'marketing.recovery.task_requested' as const;
export type RecoveryTaskRequestedV1 = EventEnvelope<typeof RECOVERY_TASK_REQUESTED, RecoveryTaskRequestedDataV1>;

/**
 * A service-recovery journey reached a RAISE_CASE_PRIORITY step: service
 * raises the contact's open complaint cases to at least `priority` (never
 * lowers one), as an escalation does (subjectId = requestId).
 */
export interface RecoveryCasePriorityRequestedDataV1 {
  requestId: string;
  journeyId: string;
  enrollmentId: string;
  contactId: string;
  priority: 'NORMAL' | 'HIGH' | 'URGENT';
}

export const RECOVERY_CASE_PRIORITY_REQUESTED = 'marketing.recovery.case_priority_requested' as const;
export type RecoveryCasePriorityRequestedV1 = EventEnvelope<typeof RECOVERY_CASE_PRIORITY_REQUESTED, RecoveryCasePriorityRequestedDataV1>;
