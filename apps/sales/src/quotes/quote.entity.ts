import type { QuoteStatusV1 } from '@rapport/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type QuoteStatus = QuoteStatusV1;

/** A priced offer to the customer for an opportunity; totals are stored as computed by quoteTotals. */
@Entity({ name: 'quotes' })
export class QuoteEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Q-<year>-<4+ digit sequence per tenant and year>, e.g. Q-2026-0001. */
  @Column('text')
  number!: string;

  @Column('uuid', { name: 'opportunity_id' })
  opportunityId!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  @Column('uuid', { name: 'price_book_id' })
  priceBookId!: string;

  @Column('char', { length: 3 })
  currency!: string;

  /** Percent 0–100 applied to the subtotal (numeric(7,4) as a string). */
  @Column('numeric', { name: 'tax_rate', precision: 7, scale: 4 })
  taxRate!: string;

  @Column('numeric', { precision: 19, scale: 4 })
  subtotal!: string;

  @Column('numeric', { precision: 19, scale: 4 })
  tax!: string;

  @Column('numeric', { precision: 19, scale: 4 })
  total!: string;

  /** As stored; a SENT quote past expiresAt reads as EXPIRED (see effectiveStatus). */
  @Column('text')
  status!: QuoteStatus;

  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3 })
  expiresAt!: Date;

  @Column('text', { nullable: true })
  notes!: string | null;

  /** Why the quote's price book was chosen (e.g. the customer's value tier); null for the standard book. */
  @Column('text', { name: 'pricing_reason', nullable: true })
  pricingReason!: string | null;

  @Column({ type: 'timestamptz', name: 'sent_at', precision: 3, nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'accepted_at', precision: 3, nullable: true })
  acceptedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'rejected_at', precision: 3, nullable: true })
  rejectedAt!: Date | null;

  @Column('uuid', { name: 'created_by_id', nullable: true })
  createdById!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}

/** One line of a quote, in the quote's currency. */
@Entity({ name: 'quote_lines' })
export class QuoteLineEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'quote_id' })
  quoteId!: string;

  @Column('int')
  position!: number;

  @Column('uuid', { name: 'product_id' })
  productId!: string;

  @Column('text')
  description!: string;

  @Column('numeric', { precision: 19, scale: 4 })
  quantity!: string;

  @Column('numeric', { name: 'unit_price', precision: 19, scale: 4 })
  unitPrice!: string;

  @Column('boolean', { name: 'unit_price_overridden' })
  unitPriceOverridden!: boolean;

  @Column('numeric', { name: 'discount_percent', precision: 7, scale: 4 })
  discountPercent!: string;

  @Column('numeric', { name: 'line_total', precision: 19, scale: 4 })
  lineTotal!: string;
}
