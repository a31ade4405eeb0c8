import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A list of unit prices per (product, currency); every tenant has one standard book. */
@Entity({ name: 'price_books' })
export class PriceBookEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('boolean', { name: 'is_standard' })
  isStandard!: boolean;

  @Column('boolean')
  active!: boolean;

  /** The value tier (analytics' name, e.g. platinum) whose customers' quotes are priced from this book; null for none. */
  @Column('text', { name: 'for_tier', nullable: true })
  forTier!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}

/** The unit price of one product in one currency within a price book. */
@Entity({ name: 'price_book_entries' })
export class PriceBookEntryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'price_book_id' })
  priceBookId!: string;

  @Column('uuid', { name: 'product_id' })
  productId!: string;

  @Column('char', { length: 3 })
  currency!: string;

  /** Exact decimal as a string (numeric(19,4)). */
  @Column('numeric', { name: 'unit_price', precision: 19, scale: 4 })
  unitPrice!: string;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
