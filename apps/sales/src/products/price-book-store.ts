import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { PriceBookEntity, PriceBookEntryEntity } from './price-book.entity';

export const STANDARD_PRICE_BOOK_NAME = 'Standard';

/**
 * The tenant's standard price book, created on first use. Idempotent under
 * concurrency: a racing INSERT waits on the winner's, then does nothing and
 * reads the winner's row. No conflict target: the winner's row collides on the
 * name index as well as on the one-standard index, and either may be the one
 * Postgres checks first (as for the default pipeline).
 */
export async function ensureStandardPriceBook(em: EntityManager, tenantId: string): Promise<PriceBookEntity> {
  const repo = em.getRepository(PriceBookEntity);
  const existing = await repo.findOneBy({ isStandard: true });
  if (existing) return existing;
  const now = new Date();
  await em.query(
    `INSERT INTO price_books (id, tenant_id, name, is_standard, active, created_at, updated_at)
     VALUES ($1, $2, $3, true, true, $4, $4)
     ON CONFLICT DO NOTHING`,
    [uuidv7(), tenantId, STANDARD_PRICE_BOOK_NAME, now],
  );
  return repo.findOneByOrFail({ isStandard: true });
}

/** The unit price of a product in a currency in the book, or null when the book has none. */
export async function findEntry(
  em: EntityManager,
  priceBookId: string,
  productId: string,
  currency: string,
): Promise<PriceBookEntryEntity | null> {
  return em.getRepository(PriceBookEntryEntity).findOneBy({ priceBookId, productId, currency });
}
