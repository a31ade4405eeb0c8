import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CASE_RESYNCED } from '@rapport/contracts';
import { ResyncResponder } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { CaseEntity } from './case.entity';
import { caseSnapshot } from './case-snapshot';

/**
 * Service's part in resyncs (ADR 053): every live case of the tenant (the
 * `cases` view leaves deleted ones out), as `service.case.resynced` with
 * the snapshot case events carry, so copies of the cases (marketing's and
 * analytics' open cases and complaints) rebuild without the stream's start.
 */
@Injectable()
export class CaseResync implements OnModuleInit {
  constructor(private readonly responder: ResyncResponder) {}

  onModuleInit(): void {
    this.responder.register({ recordType: 'case', eventType: CASE_RESYNCED, page: liveCases });
  }
}

/** One page of the tenant's live cases after `afterId`, in id order, as resynced events' data. */
export async function liveCases(
  em: EntityManager,
  tenantId: string,
  afterId: string | null,
  limit: number,
): Promise<{ id: string; data: object }[]> {
  const page = await em
    .getRepository(CaseEntity)
    .createQueryBuilder('c')
    .where('c.tenant_id = :tenantId', { tenantId })
    .andWhere(afterId ? 'c.id > :afterId' : 'TRUE', { afterId })
    .orderBy('c.id', 'ASC')
    .take(limit)
    .getMany();
  return page.map((c) => ({ id: c.id, data: { case: caseSnapshot(c) } }));
}
