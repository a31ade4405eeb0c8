import { Injectable, type OnModuleInit } from '@nestjs/common';
import { auditRecordedType, STREAMS, type AuditRecordedV1 } from '@rapport/contracts';
import { ConsumerRegistry } from '@rapport/service-kit';
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
    private readonly registry: ConsumerRegistry,
    private readonly log: AuditLogService,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { service, stream } of PRODUCERS) {
      await this.registry.consume(stream, {
        durable: `identity_audit_${service}`,
        eventTypes: [auditRecordedType(service)],
        handler: (event, em) => this.log.append(em, event as AuditRecordedV1),
      });
    }
  }
}
