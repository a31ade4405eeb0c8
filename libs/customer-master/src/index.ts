export { applyMerge, applyUnmerge } from './customer-master';
export { EXTERNAL_IDS, externalIdKey, replaceExternalIds, resolveExternalIds, type ExternalId } from './external-ids';
export { logMerge, logUnmerge, membersOf, type MergeRecord, type UnmergeRecord } from './merge-log';
export { backfillLegacyMerges, createMergeMembersTable } from './migration';
export { upsertSnapshots, type RecordSnapshot } from './snapshots';
export { ensureRecords, forgetPlaceholders, groupsOf, recomputeSurvivors, survivorOf, survivorsOf, type SurvivorChange } from './survivors';
export { CUSTOMER_RECORD_COLUMNS, MAX_CHAIN, MERGE_MEMBERS, type CustomerKind, type CustomerTable } from './tables';
