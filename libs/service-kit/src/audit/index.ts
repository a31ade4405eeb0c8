export { AuditRecorder } from './audit-recorder';
export type { AuditEntry } from './audit-recorder';
export { AuditMutationInterceptor } from './audit-mutation.interceptor';
export { auditTransactionCommitted, auditTransactionRolledBack, currentAuditScope, describeAudit } from './audit-scope';
export type { AuditDescription, AuditScope } from './audit-scope';
export { auditChanges, isMaskedField, MASKED_FIELD_GROUPS } from './audit-changes';
export { defaultAuditObject } from './default-object';
