import type { EntityManager } from 'typeorm';
import { PriceBookEntity } from '../products/price-book.entity';
import { customerTierOf } from './customer-tiers';

/** The price book a quote is built from, and the reason printed on the quote. */
export interface PricingChoice {
  book: PriceBookEntity;
  reason: string;
}

/** The reason shown on a quote priced from the book of the customer's tier. */
export function tierPricingReason(bookName: string, tier: string): string {
  return `Prices from "${bookName}": the customer's value tier is ${tier} (customer lifetime value, from analytics).`;
}

/**
 * Value-based pricing: when the caller names no price book, a quote for a
 * customer whose value tier has a price book of its own (`forTier`, active)
 * is priced from that book; null otherwise (the standard book applies).
 * The tier is analytics' latest, as sales keeps it (customer_tiers).
 */
export async function tierPriceBook(em: EntityManager, contactId: string | null): Promise<PricingChoice | null> {
  const tier = await customerTierOf(em, contactId);
  if (!tier) return null;
  const book = await em
    .getRepository(PriceBookEntity)
    .createQueryBuilder('b')
    .where('lower(b.for_tier) = lower(:tier) AND b.active', { tier })
    .getOne();
  return book ? { book, reason: tierPricingReason(book.name, tier) } : null;
}
