import type { EventEnvelope } from '../envelope';
import type { MoneyV1 } from './opportunity.events';

export type QuoteStatusV1 = 'DRAFT' | 'SENT' | 'ACCEPTED' | 'REJECTED' | 'EXPIRED';

/** One priced line of a quote, amounts as decimal strings. */
export interface QuoteLineSnapshotV1 {
  productId: string;
  productCode: string;
  description: string;
  /** Decimal string, > 0. */
  quantity: string;
  unitPrice: MoneyV1;
  /** True when the unit price was typed in rather than taken from the price book. */
  unitPriceOverridden: boolean;
  /** Decimal string 0–100. */
  discountPercent: string;
  /** round(quantity × unitPrice × (1 − discount/100)), half-even to the currency's minor unit. */
  lineTotal: MoneyV1;
}

/** The quote as other services see it. */
export interface QuoteSnapshotV1 {
  id: string;
  number: string;
  opportunityId: string;
  accountId: string;
  contactId: string | null;
  status: QuoteStatusV1;
  currency: string;
  /** Decimal string 0–100, applied to the subtotal. */
  taxRatePercent: string;
  subtotal: MoneyV1;
  tax: MoneyV1;
  total: MoneyV1;
  /** ISO-8601 UTC: the quote can be accepted until this instant. */
  expiresAt: string;
  lines: QuoteLineSnapshotV1[];
  sentAt: string | null;
  acceptedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const QUOTE_SENT = 'sales.quote.sent' as const;
export type QuoteSentV1 = EventEnvelope<typeof QUOTE_SENT, { quote: QuoteSnapshotV1 }>;

export const QUOTE_ACCEPTED = 'sales.quote.accepted' as const;
/** The customer accepted; when `opportunityWon`, sales.opportunity.won (amount = the quote total) was published in the same transaction. */
export type QuoteAcceptedV1 = EventEnvelope<typeof QUOTE_ACCEPTED, { quote: QuoteSnapshotV1; opportunityWon: boolean }>;
