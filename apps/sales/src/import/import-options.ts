import type { AddressKind } from '../contacts/contact-input';
import type { ColumnMapping, ImportKind } from './import-mapping';

export type ImportDuplicatePolicy = 'BLOCK' | 'WARN' | 'ALLOW' | 'MERGE_INTO_EXISTING';

export interface ImportOptions {
  /** Default: the tenant's duplicate policy. MERGE_INTO_EXISTING fills the matched record instead of creating one. */
  duplicatePolicy?: ImportDuplicatePolicy | null;
  /** Record source stored on created records when no source column is mapped; default "import". */
  source?: string | null;
  /** The system the `externalId` column's keys belong to (required when it is mapped). */
  externalIdSource?: string | null;
  /** Kind of the address built from street…country columns; default OTHER. */
  addressKind?: AddressKind | null;
  /** Row number of rows[0] in the file (for the report); default 1. */
  firstRowNumber?: number | null;
}

export interface ImportInput {
  kind: ImportKind;
  mapping: ColumnMapping[];
  header: string[];
  rows: string[][];
  options?: ImportOptions | null;
}
