import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import { actorOf } from '@rapport/auth';
import { SYSTEM_ACTOR } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import type { GraphQLResolveInfo } from 'graphql';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { ServiceDefinition } from '../definition';
import type { GraphQLRequestContext } from '../graphql.config';
import { LOGGER, SERVICE_DEFINITION } from '../tokens';
import { AuditRecorder } from './audit-recorder';
import { runInAuditScope, type AuditScope } from './audit-scope';
import { defaultAuditObject } from './default-object';

/**
 * Every successful mutation leaves exactly one audit entry, whatever its
 * resolver remembers to do: the mutation runs inside an audit scope, and
 * afterwards the entry is written unless the domain already wrote it in its
 * own transaction (AuditRecorder.record). A failed mutation changed nothing
 * and leaves none (refusals worth keeping, like a wrong password, are
 * recorded by the domain on their own).
 */
@Injectable()
export class AuditMutationInterceptor implements NestInterceptor {
  constructor(
    @Inject(SERVICE_DEFINITION) private readonly def: ServiceDefinition,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly recorder: AuditRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (info.parentType.name !== 'Mutation') return next.handle();
    const request = gql.getContext<GraphQLRequestContext>();
    const principal = request.principal;
    const scope: AuditScope = {
      service: this.def.name,
      tenantId: principal?.tenantId ?? null,
      actor: principal ? actorOf(principal) : SYSTEM_ACTOR,
      requestId: (request.req as { requestId?: string } | undefined)?.requestId ?? null,
      action: info.fieldName,
      objectType: null,
      objectId: null,
      changes: null,
      details: null,
      pendingIn: null,
      recorded: false,
    };
    return from(
      runInAuditScope(scope, async () => {
        const result = await lastValueFrom(next.handle(), { defaultValue: undefined });
        if (!scope.recorded) {
          if (!scope.objectId) Object.assign(scope, { ...defaultAuditObject(result, gql.getArgs()), ...definedObject(scope) });
          // The change has committed: failing the answer now would only make the client repeat it.
          await this.recorder
            .finish(scope)
            .catch((err: unknown) => this.logger.error({ err, action: scope.action }, 'audit entry not written'));
        }
        return result;
      }),
    );
  }
}

/** What the domain already said about the object wins over the guess from the payload. */
function definedObject(scope: AuditScope): Partial<AuditScope> {
  return scope.objectType ? { objectType: scope.objectType } : {};
}
