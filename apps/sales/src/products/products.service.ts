import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, notFound, type Principal } from '@rapport/auth';
import { PRICE_BOOK_CREATED, PRICES_SET, PRODUCT_CREATED, PRODUCT_UPDATED, type ProductSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { findByIds, type KeysetPage, PG_UNIQUE_VIOLATION, pgConstraint, pgErrorCode } from '@rapport/persistence';
import { auditChanges, describeAudit, groupBy, type PageArgs, pageWindow, paginate, ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { parseMoneyInput, type MoneyInput } from '../opportunities/money-input';
import { requireCatalogAdmin, requireCatalogRead } from './catalog-access';
import { PriceBookEntity, PriceBookEntryEntity } from './price-book.entity';
import { ensureStandardPriceBook } from './price-book-store';
import { ProductEntity } from './product.entity';

export interface CreateProductInput {
  code: string;
  name: string;
  description?: string | null;
  unit?: string | null;
  active?: boolean | null;
  /** Unit prices to put in the standard price book, one per currency. */
  standardPrices?: MoneyInput[] | null;
}

export type UpdateProductInput = { id: string } & Partial<Omit<CreateProductInput, 'standardPrices'>>;

export interface ProductFilter {
  active?: boolean | null;
  /** Case-insensitive substring of code or name. */
  search?: string | null;
}

export interface SetPricesInput {
  /** Defaults to the standard price book. */
  priceBookId?: string | null;
  prices: { productId: string; unitPrice: MoneyInput }[];
}

const MAX_PRICES = 200;

@Injectable()
export class ProductsService {
  constructor(private readonly db: ServiceDatabase) {}

  async create(principal: Principal, input: CreateProductInput): Promise<ProductEntity> {
    requireCatalogAdmin(principal);
    const now = new Date();
    const product = Object.assign(new ProductEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      code: validate.requiredText('code', input.code, 50),
      name: validate.requiredText('name', input.name, 200),
      description: validate.text('description', input.description, { max: 2000 }),
      unit: validate.text('unit', input.unit, { max: 30 }) ?? 'each',
      active: input.active ?? true,
      createdAt: now,
      updatedAt: now,
    });
    const prices = validate.listOf('standardPrices', input.standardPrices, 50).map((p, i) => parseMoneyInput(`standardPrices[${i}]`, p));
    return this.db.withTenant(principal.tenantId, async (em) => {
      await uniqueCode(() => em.getRepository(ProductEntity).insert(product));
      if (prices.length > 0) {
        const book = await ensureStandardPriceBook(em, principal.tenantId);
        await upsertEntries(
          em,
          principal.tenantId,
          book.id,
          prices.map((unitPrice) => ({ productId: product.id, unitPrice })),
        );
      }
      await this.publish(em, principal, PRODUCT_CREATED, product.id, { product: productSnapshot(product), standardPrices: prices });
      return product;
    });
  }

  /** Catalogue changes travel like every other fact, so other services and the audit log see them. */
  private async publish(em: EntityManager, principal: Principal, type: string, subjectId: string, data: unknown): Promise<void> {
    await this.db.publish(em, newEvent({ type, tenantId: principal.tenantId, actor: actorOf(principal), subjectId, data }));
  }

  async update(principal: Principal, input: UpdateProductInput): Promise<ProductEntity> {
    requireCatalogAdmin(principal);
    const id = validate.requireUuid('id', input.id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const repo = em.getRepository(ProductEntity);
      const before = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!before) throw notFound('Product', id);
      const after = Object.assign(new ProductEntity(), before, { updatedAt: new Date() });
      if ('code' in input) after.code = validate.requiredText('code', input.code, 50);
      if ('name' in input) after.name = validate.requiredText('name', input.name, 200);
      if ('description' in input) after.description = validate.text('description', input.description, { max: 2000 });
      if ('unit' in input) after.unit = validate.text('unit', input.unit, { max: 30 }) ?? 'each';
      if (input.active != null) after.active = input.active;
      await uniqueCode(() => repo.update({ id }, { ...after }));
      const [was, now] = [productSnapshot(before), productSnapshot(after)];
      const changed = (Object.keys(now) as (keyof ProductSnapshotV1)[]).filter((k) => was[k] !== now[k]);
      await this.publish(em, principal, PRODUCT_UPDATED, id, { product: now, changed });
      describeAudit({ objectType: 'Product', objectId: id, changes: auditChanges({ ...was }, { ...now }) });
      return after;
    });
  }

  async get(principal: Principal, id: string): Promise<ProductEntity | null> {
    requireCatalogRead(principal);
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(ProductEntity).findOneBy({ id }));
  }

  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, ProductEntity>> {
    requireCatalogRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => findByIds(em, ProductEntity, ids));
  }

  /** Products by code, a page at a time. */
  async list(principal: Principal, args: PageArgs & { filter?: ProductFilter | null }): Promise<KeysetPage<ProductEntity>> {
    requireCatalogRead(principal);
    const wanted = pageWindow(args);
    const search = validate.text('filter.search', args.filter?.search, { max: 100 });
    return this.db.withTenant(principal.tenantId, async (em) => {
      const q = em.getRepository(ProductEntity).createQueryBuilder('p');
      if (args.filter?.active != null) q.andWhere('p.active = :active', { active: args.filter.active });
      if (search) {
        q.andWhere(`(p.code ILIKE :search ESCAPE '\\' OR p.name ILIKE :search ESCAPE '\\')`, {
          search: `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
        });
      }
      return paginate(q, {
        ...wanted,
        sortColumn: 'p.code',
        idColumn: 'p.id',
        direction: 'ASC',
        cursorOf: (p) => [p.code, p.id],
      });
    });
  }

  /** Every price book of the tenant, the standard one (created on first use) first. */
  async priceBooks(principal: Principal): Promise<PriceBookEntity[]> {
    requireCatalogRead(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      await ensureStandardPriceBook(em, principal.tenantId);
      return em.getRepository(PriceBookEntity).find({ order: { isStandard: 'DESC', name: 'ASC' } });
    });
  }

  async standardPriceBook(principal: Principal): Promise<PriceBookEntity> {
    requireCatalogRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => ensureStandardPriceBook(em, principal.tenantId));
  }

  async priceBook(principal: Principal, id: string): Promise<PriceBookEntity | null> {
    requireCatalogRead(principal);
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(PriceBookEntity).findOneBy({ id }));
  }

  async createPriceBook(principal: Principal, input: { name: string; forTier?: string | null }): Promise<PriceBookEntity> {
    requireCatalogAdmin(principal);
    const now = new Date();
    const book = Object.assign(new PriceBookEntity(), {
      id: uuidv7(),
      tenantId: principal.tenantId,
      name: validate.requiredText('name', input.name, 100),
      isStandard: false,
      active: true,
      forTier: validate.text('forTier', input.forTier, { max: 50 }),
      createdAt: now,
      updatedAt: now,
    });
    return this.db.withTenant(principal.tenantId, async (em) => {
      await ensureStandardPriceBook(em, principal.tenantId);
      try {
        await em.getRepository(PriceBookEntity).insert(book);
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION && String((err as { constraint?: string }).constraint).includes('tier'))
          throw conflict(`a price book for tier ${JSON.stringify(book.forTier)} exists`, 'forTier');
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict(`a price book named ${JSON.stringify(book.name)} exists`, 'name');
        throw err;
      }
      await this.publish(em, principal, PRICE_BOOK_CREATED, book.id, {
        priceBook: { id: book.id, name: book.name, isStandard: book.isStandard, active: book.active },
      });
      return book;
    });
  }

  /** Sets unit prices (insert or replace per product and currency); returns the book. */
  async setPrices(principal: Principal, input: SetPricesInput): Promise<PriceBookEntity> {
    requireCatalogAdmin(principal);
    const bookId = validate.optionalUuid('priceBookId', input.priceBookId) ?? null;
    const prices = validate.listOf('prices', input.prices, MAX_PRICES).map((p, i) => ({
      productId: validate.requireUuid(`prices[${i}].productId`, p.productId),
      unitPrice: parseMoneyInput(`prices[${i}].unitPrice`, p.unitPrice),
    }));
    return this.db.withTenant(principal.tenantId, async (em) => {
      const book = bookId
        ? await em.getRepository(PriceBookEntity).findOneBy({ id: bookId })
        : await ensureStandardPriceBook(em, principal.tenantId);
      if (!book) throw badUserInput('priceBookId', `no price book ${bookId}`);
      const known = new Set(
        (
          await em
            .getRepository(ProductEntity)
            .createQueryBuilder('p')
            .select('p.id')
            .where('p.id = ANY(:ids)', { ids: prices.map((p) => p.productId) })
            .getMany()
        ).map((p) => p.id),
      );
      prices.forEach((p, i) => {
        if (!known.has(p.productId)) throw badUserInput(`prices[${i}].productId`, `no product ${p.productId}`);
      });
      await upsertEntries(em, principal.tenantId, book.id, prices);
      await this.publish(em, principal, PRICES_SET, book.id, {
        priceBookId: book.id,
        prices: prices.map((p) => ({ productId: p.productId, amount: p.unitPrice.amount, currency: p.unitPrice.currency })),
      });
      describeAudit({ objectType: 'PriceBook', objectId: book.id, details: { prices: prices.length } });
      return book;
    });
  }

  /** Entries of the given books, by product code then currency. */
  async entriesOf(principal: Principal, bookIds: readonly string[]): Promise<Map<string, PriceBookEntryEntity[]>> {
    requireCatalogRead(principal);
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      em
        .getRepository(PriceBookEntryEntity)
        .createQueryBuilder('e')
        .innerJoin(ProductEntity, 'p', 'p.id = e.product_id')
        .where('e.price_book_id = ANY(:ids)', { ids: [...bookIds] })
        .orderBy('p.code')
        .addOrderBy('e.currency')
        .getMany(),
    );
    return groupBy(bookIds, rows, (e) => e.priceBookId);
  }

  /** A product's unit prices in the standard price book, by currency. */
  async standardPricesOf(principal: Principal, productIds: readonly string[]): Promise<Map<string, PriceBookEntryEntity[]>> {
    requireCatalogRead(principal);
    const rows = await this.db.withTenant(principal.tenantId, async (em) => {
      const book = await ensureStandardPriceBook(em, principal.tenantId);
      return em
        .getRepository(PriceBookEntryEntity)
        .createQueryBuilder('e')
        .where('e.price_book_id = :book', { book: book.id })
        .andWhere('e.product_id = ANY(:ids)', { ids: [...productIds] })
        .orderBy('e.currency')
        .getMany();
    });
    return groupBy(productIds, rows, (e) => e.productId);
  }
}

async function uniqueCode(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION && pgConstraint(err) === 'products_code_unique') {
      throw conflict('another product has this code', 'code');
    }
    throw err;
  }
}

async function upsertEntries(
  em: EntityManager,
  tenantId: string,
  priceBookId: string,
  prices: { productId: string; unitPrice: { amount: string; currency: string } }[],
): Promise<void> {
  const now = new Date();
  for (const p of prices) {
    await em.query(
      `INSERT INTO price_book_entries (id, tenant_id, price_book_id, product_id, currency, unit_price, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (price_book_id, product_id, currency) DO UPDATE SET unit_price = EXCLUDED.unit_price, updated_at = EXCLUDED.updated_at`,
      [uuidv7(), tenantId, priceBookId, p.productId, p.unitPrice.currency, p.unitPrice.amount, now],
    );
  }
}

function productSnapshot(p: ProductEntity): ProductSnapshotV1 {
  return { id: p.id, code: p.code, name: p.name, description: p.description, unit: p.unit, active: p.active };
}
