import { badUserInput, conflict } from '@rapport/auth';
import { decimal } from '@rapport/money';
import type { QuoteStatus } from './quote.entity';

/** How long a new quote stays valid unless expiresAt is given. */
export const DEFAULT_VALIDITY_DAYS = 30;

/**
 * Expiry is decided on read, not by a scheduled job: a SENT quote whose
 * expiresAt has passed is EXPIRED wherever it is read or acted on. That is
 * always correct at the instant it is asked (a timer would leave a window
 * in which an expired quote could still be accepted) and needs no worker.
 * DRAFT quotes do not expire; sending one needs an expiresAt in the future.
 */
export function effectiveStatus(quote: { status: QuoteStatus; expiresAt: Date }, now = new Date()): QuoteStatus {
  return quote.status === 'SENT' && quote.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : quote.status;
}

/** Only DRAFT quotes can be edited (lines, tax, validity, contact, notes). */
export function requireDraft(quote: { number: string; status: QuoteStatus; expiresAt: Date }, now = new Date()): void {
  const status = effectiveStatus(quote, now);
  if (status !== 'DRAFT') throw conflict(`quote ${quote.number} is ${status}; only DRAFT quotes can be changed`);
}

/** Accepting or rejecting needs a SENT quote that has not expired. */
export function requireSent(quote: { number: string; status: QuoteStatus; expiresAt: Date }, now = new Date()): void {
  const status = effectiveStatus(quote, now);
  if (status !== 'SENT') throw conflict(`quote ${quote.number} is ${status}; only SENT quotes can be accepted or rejected`);
}

/** expiresAt must lie in the future when a quote is created, changed or sent. */
export function requireFutureExpiry(field: string, expiresAt: Date, now = new Date()): Date {
  if (Number.isNaN(expiresAt.getTime())) throw badUserInput(field, 'is not a valid time');
  if (expiresAt.getTime() <= now.getTime()) throw badUserInput(field, 'must be in the future');
  return expiresAt;
}

/** Q-2026-0001: the tenant's counter for the year, at least four digits. */
export function quoteNumber(year: number, sequence: number): string {
  return `Q-${year}-${String(sequence).padStart(4, '0')}`;
}

/**
 * An accepted quote wins its opportunity for what the customer accepted: the
 * quote's total in the quote's currency. The opportunity's new amount and
 * currency, and which of them changed; null when it already has them.
 */
export function wonAmountOf(
  opportunity: { amount: string; currency: string },
  quote: { total: string; currency: string },
): { amount: string; currency: string; changed: ('amount' | 'currency')[] } | null {
  const sameCurrency = opportunity.currency === quote.currency;
  if (sameCurrency && decimal(opportunity.amount).eq(quote.total)) return null;
  return { amount: decimal(quote.total).toFixed(), currency: quote.currency, changed: sameCurrency ? ['amount'] : ['amount', 'currency'] };
}
