/** Which customer-master record a table holds: sales' contacts or accounts. */
export type CustomerKind = 'CONTACT' | 'ACCOUNT';

/**
 * A service's projection table of one kind of customer record. The service
 * creates it in its own schema with at least the columns of
 * `CUSTOMER_RECORD_COLUMNS` (plus whatever it keeps per record); this
 * library owns those columns and `customer_merge_members`.
 *
 * `table` is a trusted identifier written in code, never input.
 */
export interface CustomerTable {
  kind: CustomerKind;
  table: string;
}

/**
 * The columns the library maintains on a record table:
 * - `merged_into`: the survivor the record stands for now (flat: never a
 *   record that is itself merged), null while the record is its own survivor;
 * - `sales_updated_at`: sales' updatedAt of the applied snapshot, null for a
 *   placeholder (a record known only because an event named it);
 * - `projected_at`: when this row last changed here.
 */
export const CUSTOMER_RECORD_COLUMNS = `
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  merged_into uuid,
  sales_updated_at timestamptz(3),
  projected_at timestamptz(3) NOT NULL DEFAULT now()`;

/** The merge log: one row per record a sales merge named, with whom and whether it was undone. */
export const MERGE_MEMBERS = 'customer_merge_members';

/** Longest merge chain followed; sales never builds one this deep, a longer walk means a cycle. */
export const MAX_CHAIN = 64;
