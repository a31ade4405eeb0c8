/** Which customer-master record a table holds: sales' contacts or accounts. */
export type CustomerKind = 'CONTACT' | 'ACCOUNT';

/**
 * A service's projection table of one kind of customer record. The service
 * creates it in its own schema with at least `tenant_id`, `id` (the primary
 * key together), and the columns this library owns (with
 * `customer_merge_members`):
 * - `merged_into`: the survivor the record stands for now (flat: never a
 *   record that is itself merged), null while the record is its own survivor;
 * - `sales_updated_at`: sales' updatedAt of the applied snapshot, null for a
 *   placeholder (a record known only because an event named it);
 * - `projected_at`: when this row last changed here.
 *
 * `table` is a trusted identifier written in code, never input.
 */
export interface CustomerTable {
  kind: CustomerKind;
  table: string;
}

/** The merge log: one row per record a sales merge named, with whom and whether it was undone. */
export const MERGE_MEMBERS = 'customer_merge_members';

/** Longest merge chain followed; sales never builds one this deep, a longer walk means a cycle. */
export const MAX_CHAIN = 64;
