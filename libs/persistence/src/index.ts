export { createServiceDataSource, migrate, quoteIdent } from './data-source';
export type { EntityClass, MigrationClass, ServiceDataSourceOptions } from './data-source';
export { enableTenantRls, grantAppRole, TENANT_SETTING } from './tenant-security';
export { TenantDatabase } from './tenant-database';
export { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgConstraint, pgErrorCode } from './errors';
export { decodeCursor, encodeCursor, InvalidCursorError, isDataException, keysetPage, keysetSqlPage, type SqlPageQuery } from './keyset';
export type { KeysetPage, KeysetPageRequest } from './keyset';
export { returnedRows } from './rows';
export { findByIds } from './find-by-ids';
