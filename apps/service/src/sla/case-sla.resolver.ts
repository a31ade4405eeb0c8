import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { CaseEntity } from '../cases/case.entity';
import { slaTargets } from './sla-state';

/** CaseSla is the case itself (Case.sla answers it to staff only); its targets are computed as of the request. */
@Resolver('CaseSla')
export class CaseSlaResolver {
  @ResolveField('targets')
  targets(@Parent() c: CaseEntity) {
    return slaTargets(c, new Date());
  }
}
