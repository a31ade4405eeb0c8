import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A reply or note on a case; customers see PUBLIC ones only. */
@Entity({ name: 'case_comments' })
export class CaseCommentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'case_id' })
  caseId!: string;

  @Column('text')
  visibility!: 'PUBLIC' | 'INTERNAL';

  @Column('text')
  body!: string;

  @Column('text', { name: 'author_kind' })
  authorKind!: string;

  @Column('uuid', { name: 'author_id', nullable: true })
  authorId!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;
}
