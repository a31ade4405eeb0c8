import { badUserInput } from '@rapport/auth';
import { decimal, MoneyError, parseMoney } from '@rapport/money';
import { validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { ProductEntity } from '../products/product.entity';
import { QuoteLineEntity, type QuoteEntity } from './quote.entity';
import type { QuoteLineInput } from './quote-input';
import { parsePercent, parseQuantity, quoteTotals } from './quote-totals';

/** A quote line as the caller gave it, checked: `at` names it in errors; `override` is its own unit price, if any. */
export interface ParsedQuoteLine {
  at: string;
  productId: string;
  quantity: string;
  discountPercent: string;
  description: string | null;
  override: string | null;
}

/** Checks every line of the input (ids, quantities, percentages, overriding unit prices in the quote's currency). */
export function parseQuoteLines(inputs: QuoteLineInput[], currency: string): ParsedQuoteLine[] {
  return inputs.map((l, i) => {
    const at = `lines[${i}]`;
    let override: string | null = null;
    if (l.unitPrice != null) {
      try {
        override = parseMoney(l.unitPrice, currency).amount;
      } catch (err) {
        if (err instanceof MoneyError) throw badUserInput(`${at}.unitPrice`, err.message);
        throw err;
      }
      if (decimal(override).isNegative()) throw badUserInput(`${at}.unitPrice`, 'must not be negative');
    }
    return {
      at,
      productId: validate.requireUuid(`${at}.productId`, l.productId),
      quantity: parseQuantity(`${at}.quantity`, l.quantity),
      discountPercent: parsePercent(`${at}.discountPercent`, l.discountPercent),
      description: validate.text(`${at}.description`, l.description, { max: 500 }),
      override,
    };
  });
}

/**
 * Prices each line: the price book's unit price for the product in the
 * quote's currency (`bookPrices` by product id), unless the line overrides
 * it (then unitPriceOverridden is recorded). Products must exist and be
 * active. Line totals are filled in by totalsOf.
 */
export function priceQuoteLines(
  quote: Pick<QuoteEntity, 'id' | 'tenantId' | 'currency'>,
  lines: ParsedQuoteLine[],
  products: ReadonlyMap<string, ProductEntity>,
  bookPrices: ReadonlyMap<string, string>,
): QuoteLineEntity[] {
  return lines.map((l, position) => {
    const product = products.get(l.productId);
    if (!product) throw badUserInput(`${l.at}.productId`, `no product ${l.productId}`);
    if (!product.active) throw badUserInput(`${l.at}.productId`, `product ${product.code} is inactive`);
    const bookPrice = bookPrices.get(l.productId);
    if (l.override == null && bookPrice == null) {
      throw badUserInput(`${l.at}.unitPrice`, `the price book has no ${quote.currency} price for ${product.code}; give a unitPrice`);
    }
    return Object.assign(new QuoteLineEntity(), {
      id: uuidv7(),
      tenantId: quote.tenantId,
      quoteId: quote.id,
      position,
      productId: l.productId,
      description: l.description ?? product.name,
      quantity: l.quantity,
      unitPrice: decimal(l.override ?? (bookPrice as string)).toFixed(),
      unitPriceOverridden: l.override != null,
      discountPercent: l.discountPercent,
      lineTotal: '0',
    });
  });
}

/** Fills each line's total and returns the quote's subtotal, tax and total (see quoteTotals for the rule). */
export function totalsOf(
  quote: Pick<QuoteEntity, 'currency' | 'taxRate'>,
  lines: QuoteLineEntity[],
): Pick<QuoteEntity, 'subtotal' | 'tax' | 'total'> {
  const totals = quoteTotals(quote.currency, lines, quote.taxRate);
  lines.forEach((l, i) => (l.lineTotal = totals.lineTotals[i].amount));
  return { subtotal: totals.subtotal.amount, tax: totals.tax.amount, total: totals.total.amount };
}
