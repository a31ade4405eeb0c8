import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RevocationFeed } from '@rapport/auth';
import { OutboxRelay } from '@rapport/messaging';
import { HealthRegistry, type Logger } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ConsumerRegistry } from './consumer-registry';
import { ResyncResponder } from './resync';
import { LOGGER, NATS_CONNECTION } from './tokens';

/**
 * Start order: database and NATS (providers) → the revocation list caught up
 * (before the port opens, so no request meets a list that misses a
 * revocation) → relay, consumers and resync answers (ADR 053). Shutdown is the reverse: become
 * unready, stop taking events, flush the outbox, then drain NATS and close
 * the pool.
 */
@Injectable()
export class InfrastructureLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly consumers: ConsumerRegistry,
    private readonly revocations: RevocationFeed,
    private readonly resync: ResyncResponder,
    private readonly health: HealthRegistry,
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.revocations.start();
    this.relay.start();
    await this.consumers.startAll();
    this.resync.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal }, 'shutting down');
    this.health.markDraining();
    await Promise.all([this.consumers.stopAll(), this.revocations.stop(), this.resync.stop()]);
    await this.relay.stop();
    await this.relay.drain().catch((err: unknown) => this.logger.warn({ err }, 'final outbox drain failed'));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nats.isClosed()) await this.nats.drain();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
