import type { QuoteSnapshotV1 } from '@rapport/contracts';
import { decimal } from '@rapport/money';
import { presentMoney } from '../opportunities/money-input';
import type { ProductEntity } from '../products/product.entity';
import type { QuoteEntity, QuoteLineEntity } from './quote.entity';
import { effectiveStatus } from './quote-rules';

/** numeric columns come back as "2.0000"; present "2". */
export function plainDecimal(value: string): string {
  return decimal(value).toFixed();
}

/** The quote as published in sales.quote.* events. */
export function quoteSnapshot(q: QuoteEntity, lines: QuoteLineEntity[], products: Map<string, ProductEntity>): QuoteSnapshotV1 {
  return {
    id: q.id,
    number: q.number,
    opportunityId: q.opportunityId,
    accountId: q.accountId,
    contactId: q.contactId,
    status: effectiveStatus(q),
    currency: q.currency,
    taxRatePercent: plainDecimal(q.taxRate),
    subtotal: presentMoney(q.subtotal, q.currency),
    tax: presentMoney(q.tax, q.currency),
    total: presentMoney(q.total, q.currency),
    expiresAt: q.expiresAt.toISOString(),
    lines: lines.map((l) => ({
      productId: l.productId,
      productCode: products.get(l.productId)?.code ?? '',
      description: l.description,
      quantity: plainDecimal(l.quantity),
      unitPrice: presentMoney(l.unitPrice, q.currency),
      unitPriceOverridden: l.unitPriceOverridden,
      discountPercent: plainDecimal(l.discountPercent),
      lineTotal: presentMoney(l.lineTotal, q.currency),
    })),
    sentAt: q.sentAt?.toISOString() ?? null,
    acceptedAt: q.acceptedAt?.toISOString() ?? null,
    createdAt: q.createdAt.toISOString(),
    updatedAt: q.updatedAt.toISOString(),
  };
}
