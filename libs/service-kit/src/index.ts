export { bootstrapService } from './bootstrap';
export type { StartedService } from './bootstrap';
// Migrations as the owner, then the runtime role's data source: what bootstrapService does, for tests of the roles.
export { openDatabase } from './infrastructure.providers';
export { ConsumerRegistry } from './consumer-registry';
export { IdentityStream } from './identity-stream';
export type { HttpRateLimitRule, ServiceDefinition } from './definition';
export type { GraphQLRequestContext } from './graphql.config';
export { RapportServiceModule } from './rapport-service.module';
export { loadServiceConfig } from './service-config';
export type { PlatformConfig } from './service-config';
export { ServiceDatabase } from './service-database';
export { LOGGER, MESSAGING_NAMING, METRICS, NATS_CONNECTION, OWNER_WAIT_MS, SERVICE_CONFIG, SERVICE_DEFINITION } from './tokens';
export * as validate from './validation';
export { callingCodeOf, e164, phoneDefaultProblem, type PhoneDefault } from './phone-numbers';
export { loadTypeDefs } from './type-defs';
export { DateTimeScalar } from './date-time.scalar';
export { paginate, paginateSql, pageWindow, type PageArgs } from './paginate';
export { groupBy, requestLoader } from './request-loader';
export { requestWaitBudget, WaitBudget } from './wait-budget';
export { authenticate } from './graphql.config';
export { JobQueues, removeStaleJob } from './job-queues';
export {
  AccessPolicy,
  AccessSettingsStore,
  CONTACT_OWNERS_TABLE,
  ContactVisibility,
  contactSharingProviders,
  createAccessSettingsTable,
  DEFAULT_ACCESS_SETTINGS,
  dropAccessSettingsTable,
  readAccessSettings,
  SharingPolicy,
  visibleSql,
  whereVisible,
  writeAccessSettings,
} from './access';
export {
  applyUserEvent,
  createIdentityUsersManagerIndex,
  createIdentityUsersTable,
  dropIdentityUsersTable,
  IdentityUsersConsumer,
  OwnerDirectory,
  ownerRefusal,
  TeamDirectory,
  USER_EVENT_TYPES,
  UserNames,
  type OwnerRef,
} from './users';
export {
  auditChanges,
  AuditRecorder,
  currentAuditScope,
  defaultAuditObject,
  describeAudit,
  isMaskedField,
  MASKED_FIELD_GROUPS,
} from './audit';
export type { AuditDescription, AuditEntry } from './audit';
export {
  affected,
  ERASED,
  eraseOutboxMentions,
  externalCustomerRecords,
  newSealingKeyPair,
  openSealed,
  PERSONAL_DATA,
  PrivacyParticipant,
  privacyProviders,
  sealJson,
} from './privacy';
export type { PersonalDataSource } from './privacy';
export { requireRestorable, restorableUntil } from './deletion/restore-window';
export { deletionEnv, type DeletionConfig } from './deletion/deletion-env';
export { purgeEach, schedulePurgeSweep } from './deletion/purge-sweep';
export { parseResyncRequest, RESYNC_PAGE, ResyncResponder, type ResyncSource } from './resync';
export { ReadCacheSignal } from './read-cache-signal';
