import type { ProductEntity } from '../products/product.entity';
import { parseQuoteLines, priceQuoteLines, totalsOf } from './quote-pricing';
import { wonAmountOf } from './quote-rules';

const WIDGET = '0190a000-0000-7000-8000-000000000001';
const GADGET = '0190a000-0000-7000-8000-000000000002';
const quote = { id: '0190a000-0000-7000-8000-0000000000aa', tenantId: '0190a000-0000-7000-8000-0000000000bb', currency: 'EUR' };
const product = (id: string, code: string, active = true) => ({ id, code, name: `${code} name`, active }) as ProductEntity;
const products = new Map([
  [WIDGET, product(WIDGET, 'W-1')],
  [GADGET, product(GADGET, 'G-1', false)],
]);

function errorOf(fn: () => unknown): { field?: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { message: string; extensions?: { field?: unknown } };
    return { field: e.extensions?.field, message: e.message };
  }
  throw new Error('expected an error');
}

describe('parseQuoteLines', () => {
  it('checks quantities, discounts and overriding prices in the quote currency', () => {
    expect(parseQuoteLines([{ productId: WIDGET, quantity: '2', unitPrice: '9.50', discountPercent: '10' }], 'EUR')).toEqual([
      { at: 'lines[0]', productId: WIDGET, quantity: '2', discountPercent: '10', description: null, override: '9.5' },
    ]);
  });

  it('refuses a negative unit price, naming the line', () => {
    expect(errorOf(() => parseQuoteLines([{ productId: WIDGET, quantity: '1', unitPrice: '-1' }], 'EUR'))).toMatchObject({
      field: 'lines[0].unitPrice',
    });
  });
});

describe('priceQuoteLines', () => {
  const parsed = (override: string | null = null, productId = WIDGET) => [
    { at: 'lines[0]', productId, quantity: '2', discountPercent: '0', description: null, override },
  ];

  it("takes the price book's unit price and the product's name", () => {
    const [line] = priceQuoteLines(quote, parsed(), products, new Map([[WIDGET, '12.5']]));
    expect(line).toMatchObject({ quoteId: quote.id, position: 0, unitPrice: '12.5', unitPriceOverridden: false, description: 'W-1 name' });
  });

  it('records an overriding unit price as such', () => {
    const [line] = priceQuoteLines(quote, parsed('10.00'), products, new Map([[WIDGET, '12.5']]));
    expect(line).toMatchObject({ unitPrice: '10', unitPriceOverridden: true });
  });

  it('refuses a product without a price in the quote currency unless the line gives one', () => {
    expect(errorOf(() => priceQuoteLines(quote, parsed(), products, new Map())).message).toMatch(/no EUR price for W-1/);
  });

  it('refuses inactive and unknown products', () => {
    expect(errorOf(() => priceQuoteLines(quote, parsed('1', GADGET), products, new Map())).message).toMatch(/inactive/);
    expect(errorOf(() => priceQuoteLines(quote, parsed('1', quote.id), products, new Map())).message).toMatch(/no product/);
  });

  it('leaves the totals to totalsOf, which fills every line', () => {
    const lines = priceQuoteLines(quote, parsed(), products, new Map([[WIDGET, '12.5']]));
    expect(totalsOf({ currency: 'EUR', taxRate: '20' }, lines)).toEqual({ subtotal: '25.00', tax: '5.00', total: '30.00' });
    expect(lines[0].lineTotal).toBe('25.00');
  });
});

describe('wonAmountOf', () => {
  it("takes the accepted quote's total", () => {
    expect(wonAmountOf({ amount: '100', currency: 'EUR' }, { total: '120.00', currency: 'EUR' })).toEqual({
      amount: '120',
      currency: 'EUR',
      changed: ['amount'],
    });
  });

  it('changes the currency too when the quote was in another one', () => {
    expect(wonAmountOf({ amount: '120', currency: 'USD' }, { total: '120.00', currency: 'EUR' })?.changed).toEqual(['amount', 'currency']);
  });

  it('changes nothing when the opportunity already has that amount', () => {
    expect(wonAmountOf({ amount: '120', currency: 'EUR' }, { total: '120.00', currency: 'EUR' })).toBeNull();
  });
});
