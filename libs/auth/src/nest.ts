import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { unauthenticated } from './errors';
import type { Principal } from './principal';

const PUBLIC = 'rapport:public';

/** Marks a resolver or method callable without a principal (e.g. login). */
export const Public = () => SetMetadata(PUBLIC, true);

function principalOf(context: ExecutionContext): Principal | null {
  const gql = GqlExecutionContext.create(context).getContext<{ principal?: Principal | null }>();
  return gql?.principal ?? null;
}

/**
 * Global guard: every GraphQL operation needs a verified principal unless
 * marked @Public. Role and ownership checks happen in the services.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    // REST routes (JWKS, health, token exchange) authenticate on their own terms.
    if (context.getType<'graphql' | 'http'>() !== 'graphql') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    if (!principalOf(context)) throw unauthenticated();
    return true;
  }
}

/** Injects the verified principal (never null behind AuthGuard on non-public handlers). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return principalOf(context) as Principal;
});
