/** What the import CLIs print for --help (and after a usage error), so a user need not read the source. */

const AUTH = `Authentication (one of):
  RAPPORT_TOKEN=<bearer token>            used as given
  --tenant <slug> --email <e> --password <p>   logs in; the login is renewed as the token nears expiry

Connection:
  --url <gateway GraphQL URL>             default RAPPORT_GATEWAY_URL or http://localhost:4000/graphql`;

export const IMPORT_CSV_USAGE = `Usage: import-csv <file.csv> --kind CONTACT|ACCOUNT|LEAD --map "Column=field,…" [options]

Imports contacts, accounts or leads through the gateway (importRecords), in batches,
and prints rows, rows/s and what was created, updated, skipped or invalid.

Options:
  --kind CONTACT|ACCOUNT|LEAD             what the rows are (default CONTACT)
  --map "Column=field,…"                  CSV column to record field, e.g. "E-mail=email,Customer no=externalId"
  --external-id-source <source>           the system the externalId column comes from, e.g. erp
  --policy WARN|BLOCK|ALLOW|MERGE_INTO_EXISTING   what to do with likely duplicates
  --source <label>                        where the records came from (kept on each record)
  --batch <1–1000>                        rows per request (default 1000)
  --report <file.csv>                     writes one line per row: its outcome and any error
  --help, -h                              this text

${AUTH}

Exit codes: 0 all rows imported, 2 some rows invalid (see --report), 1 the import failed.`;

export const IMPORT_ORDERS_USAGE = `Usage: import-orders <file.csv> [options]

Records orders through the gateway's bulk route (POST /orders/bulk: recordOrders' rules as
NDJSON), idempotent by (source, external order id), a few batches in flight, and prints orders, orders/s and what was created, updated or rejected.

Columns: source, external_order_id, contact_id or customer_source + customer_key,
occurred_at, amount, currency, channel, status (see tools/import/order-csv.ts).

Options:
  --batch <1–10000>                       orders per request (default 5000)
  --concurrency <1–32>                    requests in flight (default 4)
  --report <file.csv>                     writes one line per rejected order: row, line, column, field, error
  --help, -h                              this text

${AUTH}

Exit codes: 0 all orders recorded, 2 some orders rejected (see --report), 1 the import failed.`;

/** True when the arguments ask for help: it wins over everything else, including missing arguments. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
