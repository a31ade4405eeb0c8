export { applyMerge, applyUnmerge } from './customer-master';
export { externalIdKey, replaceExternalIds, resolveExternalIds, type ExternalId } from './external-ids';
export { type MergeRecord, type UnmergeRecord } from './merge-log';
export { backfillLegacyMerges, createMergeMembersTable } from './migration';
export { newestPerRecord, upsertSnapshots, type RecordSnapshot } from './snapshots';
export { ensureRecords, forgetPlaceholders, survivorOf, survivorsOf, type SurvivorChange } from './survivors';
export { type CustomerKind, type CustomerTable } from './tables';
export { applyCaseFact, caseFactOf, contactsTouchedBy, CASE_EVENT_TYPES, type CaseFact, type CaseMove, type CaseRow } from './cases';
export { personRecordIds } from './person';
