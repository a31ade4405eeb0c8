import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { auditRecordedType, STREAMS, type AuditRecordedV1 } from '@rapport/contracts';
import { ensureStream, EventConsumer, type MessagingNaming } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import { ConsumerRegistry, LOGGER, MESSAGING_NAMING, NATS_CONNECTION } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { AuditLogService } from './audit-log.service';

/** The services whose audit events the log takes, each from its own stream. */
const PRODUCERS = [
  { service: 'identity', stream: STREAMS.IDENTITY },
  { service: 'sales', stream: STREAMS.SALES },
  { service: 'service', stream: STREAMS.SERVICE },
  { service: 'marketing', stream: STREAMS.MARKETING },
  { service: 'analytics', stream: STREAMS.ANALYTICS },
];

/**
 * One durable consumer per producing stream, filtered on the server to
 * `<service>.audit.recorded`, appending through the inbox: a redelivered
 * event is not appended twice. Streams are ensured here because identity may
 * start before the services that write them.
 */
@Injectable()
export class AuditLogConsumer implements OnModuleInit {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_NAMING) private readonly naming: MessagingNaming,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tenantDb: TenantDatabase,
    private readonly registry: ConsumerRegistry,
    private readonly log: AuditLogService,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { service, stream } of PRODUCERS) {
      const name = await ensureStream(this.nc, this.naming, stream);
      this.registry.register(
        new EventConsumer(this.nc, this.tenantDb, this.naming, this.logger, {
          stream: name,
          durable: `identity_audit_${service}`,
          eventTypes: [auditRecordedType(service)],
          handler: (event, em) => this.log.append(em, event as AuditRecordedV1),
        }),
      );
    }
  }
}
