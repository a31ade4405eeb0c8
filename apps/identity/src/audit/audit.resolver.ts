import { Args, Mutation, Query, ResolveField, Resolver, Parent } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { type PageArgs } from '@rapport/service-kit';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditLogService } from './audit-log.service';
import { AuditRetentionService } from './audit-retention.service';

const ACTOR_KINDS: Record<string, string> = { user: 'USER', apiKey: 'API_KEY', customer: 'CUSTOMER', system: 'SYSTEM' };

@Resolver('AuditEntry')
export class AuditResolver {
  constructor(
    private readonly log: AuditLogService,
    private readonly retention: AuditRetentionService,
  ) {}

  @Query('auditLog')
  auditLog(@CurrentPrincipal() principal: Principal, @Args('filter') filter: Record<string, unknown> | null, @Args() page: PageArgs) {
    return this.log.list(principal, filter, page);
  }

  @Query('verifyAuditChain')
  async verifyAuditChain(@CurrentPrincipal() principal: Principal) {
    const result = await this.log.verify(principal);
    return {
      ...result,
      firstBroken: result.firstBroken && {
        sequence: result.firstBroken.seq,
        entryId: result.firstBroken.id,
        reason: result.firstBroken.reason,
      },
    };
  }

  @Query('auditRetention')
  auditRetention(@CurrentPrincipal() principal: Principal) {
    return this.retention.retention(principal);
  }

  @Mutation('setAuditRetention')
  async setAuditRetention(@CurrentPrincipal() principal: Principal, @Args('input') input: { days?: number | null }) {
    return { retention: await this.retention.setRetention(principal, input) };
  }

  @ResolveField('sequence')
  sequence(@Parent() entry: AuditEntryEntity): number {
    return entry.seq;
  }

  @ResolveField('actor')
  actor(@Parent() entry: AuditEntryEntity) {
    return { kind: ACTOR_KINDS[entry.actorKind] ?? 'SYSTEM', id: entry.actorId };
  }

  @ResolveField('changes')
  changes(@Parent() entry: AuditEntryEntity) {
    return Object.entries(entry.changes ?? {}).map(([field, c]) => ({
      field,
      before: c.before == null ? null : JSON.stringify(c.before),
      after: c.after == null ? null : JSON.stringify(c.after),
    }));
  }

  @ResolveField('details')
  details(@Parent() entry: AuditEntryEntity): string | null {
    return entry.details ? JSON.stringify(entry.details) : null;
  }
}
