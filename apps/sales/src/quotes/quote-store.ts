import { actorOf, badUserInput, type Principal } from '@rapport/auth';
import type { EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { EntityManager } from 'typeorm';
import { ContactEntity } from '../contacts/contact.entity';
import { PriceBookEntryEntity } from '../products/price-book.entity';
import { ProductEntity } from '../products/product.entity';
import { QuoteLineEntity, type QuoteEntity } from './quote.entity';
import type { QuoteLineInput } from './quote-input';
import { parseQuoteLines, priceQuoteLines } from './quote-pricing';
import { quoteNumber } from './quote-rules';
import { quoteSnapshot } from './quote-snapshot';

/** Reads and writes quotes need in the caller's tenant transaction. */

/** The next quote number of the tenant's year, counted atomically so concurrent quotes never share one. */
export async function nextQuoteNumber(em: EntityManager, tenantId: string, year: number): Promise<string> {
  const [row]: { last_value: number }[] = await em.query(
    `INSERT INTO quote_number_counters (tenant_id, year, last_value) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = quote_number_counters.last_value + 1
     RETURNING last_value`,
    [tenantId, year],
  );
  return quoteNumber(year, row.last_value);
}

/** A quote's contact must exist in the tenant (null means none). */
export async function assertContact(em: EntityManager, field: string, id: string | null): Promise<void> {
  if (id && !(await em.getRepository(ContactEntity).existsBy({ id }))) throw badUserInput(field, `no contact ${id}`);
}

export async function linesOfQuote(em: EntityManager, quoteId: string): Promise<QuoteLineEntity[]> {
  return em.getRepository(QuoteLineEntity).find({ where: { quoteId }, order: { position: 'ASC' } });
}

export async function productsById(em: EntityManager, ids: string[]): Promise<Map<string, ProductEntity>> {
  if (ids.length === 0) return new Map();
  const rows = await em
    .getRepository(ProductEntity)
    .createQueryBuilder('p')
    .where('p.id = ANY(:ids)', { ids: [...new Set(ids)] })
    .getMany();
  return new Map(rows.map((p) => [p.id, p]));
}

/**
 * Checks the lines, then prices them from the quote's price book (see
 * priceQuoteLines). Line totals are filled in by totalsOf.
 */
export async function priceLines(em: EntityManager, quote: QuoteEntity, inputs: QuoteLineInput[]): Promise<QuoteLineEntity[]> {
  const parsed = parseQuoteLines(inputs, quote.currency);
  const products = await productsById(
    em,
    parsed.map((l) => l.productId),
  );
  const entries = parsed.length
    ? await em
        .getRepository(PriceBookEntryEntity)
        .createQueryBuilder('e')
        .where('e.price_book_id = :book', { book: quote.priceBookId })
        .andWhere('e.currency = :currency', { currency: quote.currency })
        .andWhere('e.product_id = ANY(:ids)', { ids: parsed.map((l) => l.productId) })
        .getMany()
    : [];
  return priceQuoteLines(quote, parsed, products, new Map(entries.map((e) => [e.productId, e.unitPrice])));
}

/** A quote event with the quote's snapshot (lines with their products) and `extra` data. */
export async function quoteEvent<T extends string>(
  em: EntityManager,
  principal: Principal,
  type: T,
  quote: QuoteEntity,
  lines: QuoteLineEntity[],
  extra: Record<string, unknown>,
): Promise<EventEnvelope> {
  const products = await productsById(
    em,
    lines.map((l) => l.productId),
  );
  return newEvent({
    type,
    tenantId: principal.tenantId,
    actor: actorOf(principal),
    subjectId: quote.id,
    data: { quote: quoteSnapshot(quote, lines, products), ...extra },
  });
}
