import { decimal } from '@rapport/money';
import PDFDocument from 'pdfkit';
import { allFonts, fontRuns, fontsFor, type FontWeight } from './pdf-fonts';
import { presentMoney } from '../opportunities/money-input';
import { effectiveStatus } from './quote-rules';
import { plainDecimal } from './quote-snapshot';
import type { ContactEntity } from '../contacts/contact.entity';
import type { ProductEntity } from '../products/product.entity';
import type { QuoteEntity, QuoteLineEntity } from './quote.entity';

/** Everything the PDF shows, read in one tenant transaction (QuotesService.document). */
export interface QuoteDocumentData {
  quote: QuoteEntity;
  lines: QuoteLineEntity[];
  accountName: string;
  contact: ContactEntity | null;
  products: Map<string, ProductEntity>;
}

export interface QuotePdfOptions {
  /** The instant the document is printed (default now). */
  now?: Date;
}

const money = (amount: string, currency: string) => {
  const m = presentMoney(amount, currency);
  return `${m.amount} ${m.currency}`;
};

const COLUMNS = [
  { title: 'Item', x: 50, width: 190, align: 'left' as const },
  { title: 'Qty', x: 240, width: 60, align: 'right' as const },
  { title: 'Unit price', x: 300, width: 85, align: 'right' as const },
  { title: 'Discount', x: 385, width: 55, align: 'right' as const },
  { title: 'Line total', x: 440, width: 105, align: 'right' as const },
];

/** Text options of pdfkit's text(). */
type TextOptions = PDFKit.Mixins.TextOptions;

/**
 * Writes text in the document's fonts, switching font per character where
 * the primary font has no glyph (pdf-fonts.ts); at (x, y) when given.
 */
function write(doc: PDFKit.PDFDocument, weight: FontWeight, text: string, x?: number, y?: number, options: TextOptions = {}): void {
  const fonts = fontsFor(weight);
  const runs = fontRuns(
    text,
    fonts.map((f) => f.covers),
  );
  if (runs.length === 0) runs.push({ font: 0, text: '' });
  runs.forEach((run, i) => {
    doc.font(fonts[run.font].name);
    const opts = { ...options, continued: i < runs.length - 1 };
    if (i === 0 && x !== undefined) doc.text(run.text, x, y, opts);
    else doc.text(run.text, opts);
  });
}

/**
 * Renders a quote as a one-column A4 document a customer can receive:
 * number, dates, customer, priced lines, subtotal, tax, total and validity.
 * Amounts are printed exactly as stored (decimal strings), never via floats.
 * Any script prints (embedded Unicode fonts with per-character fallback).
 */
export function renderQuotePdf(data: QuoteDocumentData, opts: QuotePdfOptions = {}): Promise<Buffer> {
  const { quote, lines, accountName, contact, products } = data;
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Quote ${quote.number}` } });
  for (const f of allFonts()) doc.registerFont(f.name, f.bytes);
  const text = (value: string, x?: number, y?: number, options?: TextOptions) => write(doc, 'regular', value, x, y, options);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fontSize(20);
  text(`Quote ${quote.number}`);
  doc.moveDown(0.5).fontSize(10);
  text(`Date: ${(quote.sentAt ?? quote.createdAt).toISOString().slice(0, 10)}`);
  text(`Valid until: ${quote.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  text(`Status: ${effectiveStatus(quote, opts.now)}`);
  doc.moveDown();
  doc.fontSize(12);
  text('Customer');
  doc.fontSize(10);
  text(accountName);
  if (contact) {
    text([contact.firstName, contact.lastName].filter(Boolean).join(' '));
    if (contact.emails[0]) text(contact.emails[0]);
  }
  doc.moveDown();

  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    let bottom = y;
    COLUMNS.forEach((c, i) => {
      write(doc, bold ? 'bold' : 'regular', cells[i], c.x, y, { width: c.width, align: c.align });
      bottom = Math.max(bottom, doc.y);
    });
    doc.x = 50;
    doc.y = bottom + 4;
  };
  row(
    COLUMNS.map((c) => c.title),
    true,
  );
  for (const l of lines) {
    const product = products.get(l.productId);
    const item = product ? `${l.description} (${product.code})` : l.description;
    const unit = product ? ` ${product.unit}` : '';
    const discount = decimal(l.discountPercent).isZero() ? '' : `${plainDecimal(l.discountPercent)}%`;
    row([item, `${plainDecimal(l.quantity)}${unit}`, money(l.unitPrice, quote.currency), discount, money(l.lineTotal, quote.currency)]);
  }
  doc.moveDown();
  const total = (label: string, value: string, bold = false) => {
    const y = doc.y;
    write(doc, bold ? 'bold' : 'regular', label, 300, y, { width: 140, align: 'right' });
    write(doc, bold ? 'bold' : 'regular', value, 440, y, { width: 105, align: 'right' });
    doc.x = 50;
  };
  total('Subtotal', money(quote.subtotal, quote.currency));
  total(`Tax (${plainDecimal(quote.taxRate)}%)`, money(quote.tax, quote.currency));
  total('Total', money(quote.total, quote.currency), true);
  if (quote.pricingReason) {
    doc.moveDown();
    text(quote.pricingReason, 50, doc.y, { width: 495 });
  }
  if (quote.notes) {
    doc.moveDown();
    text(quote.notes, 50, doc.y, { width: 495 });
  }
  doc.end();
  return done;
}
