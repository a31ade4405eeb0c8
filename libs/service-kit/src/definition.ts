import type { Provider } from '@nestjs/common';
import type { EnvSpec } from '@rapport/config';
import type { StreamDefinition, TenantSnapshotV1 } from '@rapport/contracts';
import type { OutboxExpander } from '@rapport/messaging';
import type { EntityClass, MigrationClass } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** Everything that distinguishes one Rapport subgraph service from another. */
export interface ServiceDefinition {
  /** Service name: logs, metrics, NATS connection name, schema base name. */
  name: string;
  /** Port when PORT is unset (gateway 4000, identity 4001, sales 4002 …). */
  defaultPort: number;
  entities: EntityClass[];
  /** Migration classes in order; committed, reviewed, run at start. */
  migrations: MigrationClass[];
  /** Streams this service produces into (created/updated at start). */
  producesStreams: StreamDefinition[];
  /** Federation 2 subgraph SDL (the reviewed contract). */
  typeDefs: string;
  /** Service-specific environment on top of the platform's. */
  env?: EnvSpec;
  /**
   * True for identity, which keeps the original of every tenant's access
   * settings; every other service keeps a copy fed by identity.access.changed.
   */
  ownsAccessSettings?: boolean;
  /**
   * What the service sets up for a new tenant, run on identity.tenant.created
   * inside the event's tenant transaction (TenantPreparationConsumer). Must be
   * idempotent: a redelivery or an older tenant's defaults made on first use
   * must leave it as it was.
   */
  prepareTenant?: (em: EntityManager, tenant: TenantSnapshotV1) => Promise<void>;
  /**
   * Tables the service's database roles may read and append to but never
   * update or delete (an audit log): the grant step after every migration run
   * gives all other tables full DML, so the exception is declared here
   * (docs/adr/026-least-privilege-database-roles.md).
   */
  appendOnlyTables?: readonly string[];
  /**
   * Compact outbox rows the service writes (a type of its own each) and how
   * the relay expands one into the events it stands for (OutboxExpander):
   * consumers get the same messages as from one row per event.
   */
  outboxExpanders?: Readonly<Record<string, OutboxExpander>>;
  /**
   * Rates of the service's routes outside /graphql (e.g. marketing's /m/*
   * links), first match wins. Every such route is limited per caller
   * (CallerRateLimit), anonymous callers at ANON_RATE_LIMIT_PER_MINUTE
   * unless a rule names another variable; a rule may exempt a route whose
   * every request is cheap to refuse.
   */
  httpRateLimits?: HttpRateLimitRule[];
  /** Extra global providers, e.g. a TokenVerifier that reads local keys. */
  globalProviders?: Provider[];
}

/** How one group of non-GraphQL routes is limited (ServiceDefinition.httpRateLimits). */
export interface HttpRateLimitRule {
  /** The routes, matched against the request path as received (still percent-encoded). */
  path: RegExp;
  /** The config variable holding the per-IP rate of anonymous callers here (default ANON_RATE_LIMIT_PER_MINUTE). */
  anonymousRateVariable?: string;
  /** Not counted at all; say why next to the rule. */
  unlimited?: boolean;
}
