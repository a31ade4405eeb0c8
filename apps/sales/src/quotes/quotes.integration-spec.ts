import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { pdfText, startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { ProductsService } from '../products/products.service';
import { salesDefinition } from '../sales.definition';
import { renderQuotePdf } from './quote-pdf';
import { QuotesService } from './quotes.service';

/** Products, price books and quotes against the real Postgres. */
describe('products, price books and quotes', () => {
  let sales: StartedService;
  let db: DataSource;
  let products: ProductsService;
  let quotes: QuotesService;
  let opportunities: OpportunitiesService;
  const tenantId = randomUUID();
  const as = (roles: Role[], tenant = tenantId): Principal => userPrincipal(tenant, roles);
  const rep = as(['sales_rep']);
  const otherRep = as(['sales_rep']);
  const manager = as(['sales_manager']);
  let accountId: string;
  let contactId: string;
  let widget: string;
  let gadget: string;
  let service: string;

  const openDeal = async (currency = 'EUR', owner = rep) =>
    opportunities.create(owner, {
      name: 'Deal',
      accountId,
      primaryContactId: contactId,
      amount: { amount: '1', currency },
      closeDate: '2026-06-30',
    });
  const outboxTypes = async (subjectId: string): Promise<string[]> =>
    (await db.query(`SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 ORDER BY created_at, id`, [subjectId])).map(
      (r: { type: string }) => r.type,
    );

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `quotes_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    products = sales.app.get(ProductsService);
    quotes = sales.app.get(QuotesService);
    opportunities = sales.app.get(OpportunitiesService);
    accountId = (await sales.app.get(AccountsService).create(rep, { name: 'Quote Co' })).id;
    contactId = (
      await sales.app.get(ContactsService).create(rep, { firstName: 'Grace', lastName: 'Hopper', accountId, emails: ['grace@quote.test'] })
    ).id;
    widget = (
      await products.create(manager, {
        code: 'W-1',
        name: 'Widget',
        standardPrices: [
          { amount: '19.99', currency: 'EUR' },
          { amount: '2500', currency: 'JPY' },
        ],
      })
    ).id;
    gadget = (
      await products.create(manager, { code: 'G-1', name: 'Gadget', unit: 'hour', standardPrices: [{ amount: '0.005', currency: 'EUR' }] })
    ).id;
    service = (await products.create(manager, { code: 'S-1', name: 'Service' })).id;
  });

  afterAll(() => sales?.close());

  it('keeps one standard price book per tenant even when requests race; codes are unique; only managers maintain', async () => {
    const fresh = randomUUID();
    const books = await Promise.all(Array.from({ length: 5 }, () => products.standardPriceBook(as(['sales_rep'], fresh))));
    expect(new Set(books.map((b) => b.id)).size).toBe(1);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM price_books WHERE tenant_id = $1`, [fresh]);
    expect(n).toBe(1);
    await expect(products.create(manager, { code: 'w-1', name: 'Clash' })).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'code' },
    });
    await expect(products.create(rep, { code: 'R-1', name: 'Nope' })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(
      products.setPrices(rep, { prices: [{ productId: widget, unitPrice: { amount: '1', currency: 'EUR' } }] }),
    ).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    const book = await products.setPrices(manager, { prices: [{ productId: service, unitPrice: { amount: '100', currency: 'usd' } }] });
    const entries = (await products.entriesOf(rep, [book.id])).get(book.id)!;
    expect(entries.map((e) => [e.productId, e.currency, e.unitPrice])).toEqual([
      [gadget, 'EUR', '0.0050'],
      [service, 'USD', '100.0000'],
      [widget, 'EUR', '19.9900'],
      [widget, 'JPY', '2500.0000'],
    ]);
    const page = await products.list(rep, { filter: { search: 'GADG' } });
    expect(page.edges.map((e) => e.node.code)).toEqual(['G-1']);
  });

  it('creates the standard price book once when first uses race, whichever unique index the losers meet first', async () => {
    // Each losing INSERT collides on both the one-standard index and the name index; either may be checked first.
    for (let round = 0; round < 10; round++) {
      const fresh = randomUUID();
      const books = await Promise.all(Array.from({ length: 6 }, () => products.priceBooks(as(['sales_rep'], fresh))));
      expect(new Set(books.map((b) => b[0].id)).size).toBe(1);
    }
  });

  it('prices lines from the price book unless overridden, records the override, and totals exactly', async () => {
    const opp = await openDeal();
    const quote = await quotes.create(rep, {
      opportunityId: opp.id,
      taxRatePercent: '19',
      lines: [
        { productId: widget, quantity: '3' },
        { productId: gadget, quantity: '1' },
        { productId: service, quantity: '2.5', unitPrice: '40', discountPercent: '10' },
      ],
    });
    expect(quote).toMatchObject({
      status: 'DRAFT',
      currency: 'EUR',
      contactId,
      accountId,
      subtotal: '149.97',
      tax: '28.49',
      total: '178.46',
    });
    expect(quote.number).toMatch(/^Q-\d{4}-\d{4}$/);
    const lines = (await quotes.linesOf(rep, [quote.id])).get(quote.id)!;
    expect(lines.map((l) => [l.description, l.unitPrice, l.unitPriceOverridden, l.lineTotal])).toEqual([
      ['Widget', '19.9900', false, '59.9700'],
      ['Gadget', '0.0050', false, '0.0000'],
      ['Service', '40.0000', true, '90.0000'],
    ]);
    await expect(quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: service, quantity: '1' }] })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'lines[0].unitPrice' },
    });
    await expect(quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '0' }] })).rejects.toMatchObject({
      extensions: { field: 'lines[0].quantity' },
    });
    await expect(quotes.create(otherRep, { opportunityId: opp.id })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const second = await quotes.create(rep, { opportunityId: opp.id });
    const [a, b] = [quote.number, second.number].map((n) => Number(n.slice(-4)));
    expect(b).toBe(a + 1);
  });

  it('uses the currency of the opportunity (JPY: no decimals)', async () => {
    const opp = await openDeal('JPY');
    const quote = await quotes.create(rep, {
      opportunityId: opp.id,
      taxRatePercent: '10',
      lines: [{ productId: widget, quantity: '3', discountPercent: '33.3333' }],
    });
    // 7500 × 0.666667 = 5000.0025 → 5000; tax 500
    expect(quote).toMatchObject({ currency: 'JPY', subtotal: '5000', tax: '500', total: '5500' });
  });

  it('edits only DRAFT quotes; send publishes sales.quote.sent; accept wins the opportunity at the quote total, once', async () => {
    const opp = await openDeal();
    const draft = await quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '1' }] });
    const edited = await quotes.update(rep, {
      id: draft.id,
      taxRatePercent: '20',
      lines: [{ productId: widget, quantity: '10', discountPercent: '5' }],
    });
    // 199.90 × 0.95 = 189.905 → 189.90 (half-even); tax 37.98; total 227.88
    expect(edited).toMatchObject({ subtotal: '189.90', tax: '37.98', total: '227.88' });
    await expect(quotes.accept(rep, { id: draft.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(quotes.send(otherRep, { id: draft.id })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const sent = await quotes.send(rep, { id: draft.id });
    expect(sent.status).toBe('SENT');
    await expect(quotes.update(rep, { id: draft.id, notes: 'late change' })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(quotes.send(rep, { id: draft.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });

    const { quote, opportunity } = await quotes.accept(rep, { id: draft.id });
    expect(quote.status).toBe('ACCEPTED');
    expect(opportunity).toMatchObject({
      status: 'WON',
      amount: '227.8800',
      currency: 'EUR',
      closeReason: `quote ${quote.number} accepted`,
    });
    const [row] = await db.query(`SELECT status, amount::text FROM opportunities WHERE id = $1`, [opp.id]);
    expect(row).toEqual({ status: 'WON', amount: '227.8800' });
    await expect(quotes.accept(rep, { id: draft.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });

    expect(await outboxTypes(opp.id)).toEqual([
      'sales.opportunity.created',
      'sales.opportunity.updated',
      'sales.opportunity.stage_changed',
      'sales.opportunity.won',
    ]);
    expect(await outboxTypes(draft.id)).toEqual(['sales.quote.sent', 'sales.quote.accepted']);
    const [won] = await db.query(`SELECT envelope FROM outbox WHERE type = 'sales.opportunity.won' AND envelope->>'subjectId' = $1`, [
      opp.id,
    ]);
    expect(won.envelope.data.opportunity).toMatchObject({ status: 'WON', amount: { amount: '227.88', currency: 'EUR' } });
    const [accepted] = await db.query(`SELECT envelope FROM outbox WHERE type = 'sales.quote.accepted' AND envelope->>'subjectId' = $1`, [
      draft.id,
    ]);
    expect(accepted.envelope.data).toMatchObject({
      opportunityWon: true,
      quote: {
        number: quote.number,
        status: 'ACCEPTED',
        total: { amount: '227.88', currency: 'EUR' },
        lines: [{ productCode: 'W-1', quantity: '10' }],
      },
    });
  });

  it('rolls back the acceptance when the opportunity cannot be closed, and can accept without closing', async () => {
    const opp = await openDeal();
    const q1 = await quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '1' }] });
    const q2 = await quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '2' }] });
    await quotes.send(rep, { id: q1.id });
    await quotes.send(rep, { id: q2.id });
    await quotes.accept(rep, { id: q1.id });
    await expect(quotes.accept(rep, { id: q2.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect((await quotes.get(rep, q2.id))!.status).toBe('SENT');
    const { quote, opportunity } = await quotes.accept(rep, { id: q2.id, closeOpportunity: false });
    expect([quote.status, opportunity.status, opportunity.amount]).toEqual(['ACCEPTED', 'WON', '19.9900']);
    expect((await outboxTypes(opp.id)).filter((t) => t === 'sales.opportunity.won')).toHaveLength(1);
  });

  it('lets exactly one of two concurrent acceptances win; the other is a CONFLICT and publishes nothing', async () => {
    const opp = await openDeal();
    const q = await quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '4' }] });
    await quotes.send(rep, { id: q.id });
    const results = await Promise.allSettled([quotes.accept(rep, { id: q.id }), quotes.accept(manager, { id: q.id })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [failed] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.reason).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect((await outboxTypes(opp.id)).filter((t) => t === 'sales.opportunity.won')).toHaveLength(1);
    expect(await outboxTypes(q.id)).toEqual(['sales.quote.sent', 'sales.quote.accepted']);
  });

  it('expires SENT quotes on read after expiresAt', async () => {
    const opp = await openDeal();
    const q = await quotes.create(rep, { opportunityId: opp.id, lines: [{ productId: widget, quantity: '1' }] });
    await quotes.send(rep, { id: q.id });
    await db.query(`UPDATE quotes SET expires_at = now() - interval '1 minute' WHERE id = $1`, [q.id]);
    await expect(quotes.accept(rep, { id: q.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    const snapshot = await quotes.document(rep, q.id);
    const text = await pdfText(await renderQuotePdf(snapshot!));
    expect(text).toContain('Status: EXPIRED');
  });

  it('renders a PDF with number, customer, lines, totals and validity; the route needs a token', async () => {
    const opp = await openDeal();
    const q = await quotes.create(rep, {
      opportunityId: opp.id,
      taxRatePercent: '19',
      lines: [
        { productId: widget, quantity: '3' },
        { productId: service, quantity: '2.5', unitPrice: '40', discountPercent: '10' },
      ],
    });
    const data = (await quotes.document(rep, q.id))!;
    const pdf = await renderQuotePdf(data);
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    const text = await pdfText(pdf);
    for (const expected of [
      q.number,
      'Quote Co',
      'Grace Hopper',
      'Widget (W-1)',
      '59.97 EUR',
      '10%',
      'Tax (19%)',
      '28.49 EUR',
      '178.46 EUR',
      'Valid until',
    ])
      expect(text).toContain(expected);
    expect((await renderQuotePdf(data)).subarray(0, 4).toString()).toBe('%PDF');
    expect(await quotes.document(as(['sales_rep'], randomUUID()), q.id)).toBeNull();

    const anonymous = await fetch(`${sales.url}/quotes/${q.id}.pdf`);
    expect(anonymous.status).toBe(401);
    const forged = await fetch(`${sales.url}/quotes/${q.id}.pdf`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(forged.status).toBe(401);
  });
});
