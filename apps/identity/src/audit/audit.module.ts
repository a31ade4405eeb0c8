import { Module } from '@nestjs/common';
import { AuditLogConsumer } from './audit-log.consumer';
import { AuditLogService } from './audit-log.service';
import { AuditPruning } from './audit-pruning';
import { AuditResolver } from './audit.resolver';
import { AuditRetentionService } from './audit-retention.service';

/** The platform's audit log: consumes every service's audit events, keeps the chain, serves auditLog (ADR 025). */
@Module({
  providers: [AuditLogService, AuditRetentionService, AuditLogConsumer, AuditPruning, AuditResolver],
  exports: [AuditLogService, AuditRetentionService],
})
export class AuditModule {}
