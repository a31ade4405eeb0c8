import { ApolloFederationDriver, type ApolloFederationDriverConfig } from '@nestjs/apollo';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { AuthGuard, TokenVerifier } from '@rapport/auth';
import { AccessPolicy, AccessSettingsConsumer, AccessSettingsStore } from './access';
import { AuditMutationInterceptor, AuditRecorder } from './audit';
import type { ServiceDefinition } from './definition';
import { IdentityStream } from './identity-stream';
import { subgraphGraphQLOptions } from './graphql.config';
import { GraphQLExceptionFilter } from './graphql-exception.filter';
import { infrastructureProviders } from './infrastructure.providers';
import { InfrastructureLifecycle } from './lifecycle';
import { ResyncResponder } from './resync';
import { TenantPreparationConsumer } from './tenants/tenant-preparation.consumer';
import { CallerRateLimit } from './limits/caller-rate-limit';
import { ReadCacheSignal } from './read-cache-signal';
import type { PlatformConfig } from './service-config';
import { SERVICE_CONFIG } from './tokens';

/**
 * Everything a Rapport subgraph shares — config, logging, metrics, health,
 * persistence with tenant RLS, outbox and consumers, the federation driver,
 * authentication — in one import. A service's AppModule is this plus its
 * feature modules.
 */
@Global()
@Module({})
export class RapportServiceModule {
  static forRoot(def: ServiceDefinition): DynamicModule {
    const providers = [
      ...infrastructureProviders(def),
      IdentityStream,
      AccessSettingsStore,
      AccessPolicy,
      AccessSettingsConsumer,
      TenantPreparationConsumer,
      ...(def.globalProviders ?? []),
      CallerRateLimit,
      ReadCacheSignal,
      AuditRecorder,
      ResyncResponder,
      InfrastructureLifecycle,
    ];
    return {
      module: RapportServiceModule,
      imports: [
        GraphQLModule.forRootAsync<ApolloFederationDriverConfig>({
          driver: ApolloFederationDriver,
          inject: [SERVICE_CONFIG, TokenVerifier],
          useFactory: (config: PlatformConfig, verifier: TokenVerifier) => subgraphGraphQLOptions(def.typeDefs, config, verifier),
        }),
      ],
      providers: [
        ...providers,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: GraphQLExceptionFilter },
        // One audit entry per successful mutation (ADR 025).
        { provide: APP_INTERCEPTOR, useClass: AuditMutationInterceptor },
      ],
      exports: providers,
    };
  }
}
