import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'contact_external_ids' })
export class ContactExternalIdEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('text')
  source!: string;

  @PrimaryColumn('text')
  key!: string;

  @Column('uuid', { name: 'contact_id' })
  contactId!: string;
}
