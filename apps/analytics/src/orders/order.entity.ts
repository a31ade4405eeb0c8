import { Column, Entity, PrimaryColumn } from 'typeorm';

export type OrderStatus = 'PLACED' | 'CANCELLED' | 'REFUNDED';

export interface OrderLine {
  sku: string;
  /** Canonical decimal strings (libs/money), so re-sent orders compare equal. */
  quantity: string;
  unitPrice: string;
}

/**
 * An order from another system. Lines are a JSON document of the order: they
 * are read with it and replaced with it, and nothing is computed from them yet.
 */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  source!: string;

  @Column('text', { name: 'external_order_id' })
  externalOrderId!: string;

  /** Who the order counts for; null while the customer is unmatched. */
  @Column('uuid', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  @Column('uuid', { name: 'customer_contact_id', nullable: true })
  customerContactId!: string | null;

  @Column('text', { name: 'customer_source', nullable: true })
  customerSource!: string | null;

  @Column('text', { name: 'customer_key', nullable: true })
  customerKey!: string | null;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt!: Date;

  /** numeric(19,4), read as a string: never a float. */
  @Column('numeric', { precision: 19, scale: 4 })
  amount!: string;

  @Column('text')
  currency!: string;

  @Column('text', { nullable: true })
  channel!: string | null;

  @Column('text')
  status!: OrderStatus;

  @Column('jsonb')
  lines!: OrderLine[];

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
