export { applyMerge, applyUnmerge } from './customer-master';
export { externalIdKey, replaceExternalIds, resolveExternalIds, type ExternalId } from './external-ids';
export { type MergeRecord, type UnmergeRecord } from './merge-log';
export { backfillLegacyMerges, createMergeMembersTable } from './migration';
export { newestPerRecord, upsertSnapshots, type RecordSnapshot } from './snapshots';
export { ensureRecords, forgetPlaceholders, survivorOf, survivorsOf, type SurvivorChange } from './survivors';
export { type CustomerKind, type CustomerTable } from './tables';
export {
  addCaseDeletionColumns,
  applyCaseDeletion,
  applyCaseEvent,
  applyCaseFact,
  caseDeletionFactOf,
  caseFactOf,
  contactsTouchedBy,
  dropCaseDeletionColumns,
  CASE_DELETION_EVENT_TYPES,
  CASE_EVENT_TYPES,
  type CaseDeletionFact,
  type CaseFact,
  type CaseMove,
  type CaseRow,
} from './cases';
export { personRecordIds } from './person';
export { addDeletionColumns, applyDeletionFact, CUSTOMER_DELETION_EVENT_TYPES, deletionFactOf, type DeletionFact } from './deletions';
