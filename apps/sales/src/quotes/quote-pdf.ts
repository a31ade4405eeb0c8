import { decimal } from '@rapport/money';
import PDFDocument from 'pdfkit';
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
  /** Deflate page streams (default true). Tests pass false so the text can be read from the bytes. */
  compress?: boolean;
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

/**
 * Renders a quote as a one-column A4 document a customer can receive:
 * number, dates, customer, priced lines, subtotal, tax, total and validity.
 * Amounts are printed exactly as stored (decimal strings), never via floats.
 */
export function renderQuotePdf(data: QuoteDocumentData, opts: QuotePdfOptions = {}): Promise<Buffer> {
  const { quote, lines, accountName, contact, products } = data;
  const doc = new PDFDocument({ size: 'A4', margin: 50, compress: opts.compress ?? true, info: { Title: `Quote ${quote.number}` } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fontSize(20).text(`Quote ${quote.number}`);
  doc.moveDown(0.5).fontSize(10);
  doc.text(`Date: ${(quote.sentAt ?? quote.createdAt).toISOString().slice(0, 10)}`);
  doc.text(`Valid until: ${quote.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  doc.text(`Status: ${effectiveStatus(quote, opts.now)}`);
  doc.moveDown();
  doc.fontSize(12).text('Customer');
  doc.fontSize(10).text(accountName);
  if (contact) {
    doc.text([contact.firstName, contact.lastName].filter(Boolean).join(' '));
    if (contact.emails[0]) doc.text(contact.emails[0]);
  }
  doc.moveDown();

  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    let bottom = y;
    COLUMNS.forEach((c, i) => {
      doc.text(cells[i], c.x, y, { width: c.width, align: c.align });
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
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(label, 300, y, { width: 140, align: 'right' });
    doc.text(value, 440, y, { width: 105, align: 'right' });
    doc.x = 50;
  };
  total('Subtotal', money(quote.subtotal, quote.currency));
  total(`Tax (${plainDecimal(quote.taxRate)}%)`, money(quote.tax, quote.currency));
  total('Total', money(quote.total, quote.currency), true);
  doc.font('Helvetica');
  if (quote.notes) {
    doc.moveDown();
    doc.text(quote.notes, 50, doc.y, { width: 495 });
  }
  doc.end();
  return done;
}
