/** What createQuote, updateQuote and acceptQuote take (the SDL's inputs, as the resolver passes them on). */

export interface QuoteLineInput {
  productId: string;
  quantity: string;
  /** Overrides the price book's unit price (decimal string in the quote's currency). */
  unitPrice?: string | null;
  discountPercent?: string | null;
  /** Defaults to the product's name. */
  description?: string | null;
}

export interface CreateQuoteInput {
  opportunityId: string;
  priceBookId?: string | null;
  contactId?: string | null;
  taxRatePercent?: string | null;
  expiresAt?: Date | string | null;
  notes?: string | null;
  lines?: QuoteLineInput[] | null;
}

export interface UpdateQuoteInput {
  id: string;
  contactId?: string | null;
  taxRatePercent?: string | null;
  expiresAt?: Date | string | null;
  notes?: string | null;
  /** When given, replaces all lines (re-priced from the quote's price book unless overridden). */
  lines?: QuoteLineInput[] | null;
}

export interface AcceptQuoteInput {
  id: string;
  closeOpportunity?: boolean | null;
}

/** The most lines a quote may have. */
export const MAX_LINES = 200;
