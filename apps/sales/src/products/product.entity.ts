import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Something the tenant sells; priced per currency in price books. */
@Entity({ name: 'products' })
export class ProductEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Unique per tenant, case-insensitively (e.g. a SKU). */
  @Column('text')
  code!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  /** What one quantity is, e.g. "each", "hour", "seat/month". */
  @Column('text')
  unit!: string;

  /** Inactive products stay on existing quotes but cannot be added to new lines. */
  @Column('boolean')
  active!: boolean;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt!: Date;
}
