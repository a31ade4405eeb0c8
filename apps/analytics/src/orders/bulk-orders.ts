import { GraphQLError } from 'graphql';
import { batchField, rejection, type IngestResult } from './order-batch';
import { orderInputFromJson, type OrderInput } from './order-input';

/** Most orders one bulk request takes (the CLI sends 5,000 by default); bigger files go in several requests. */
export const MAX_BULK_ORDERS = 10_000;
/** Largest bulk body: 10,000 orders of about 200 bytes each leave room for line items. */
export const MAX_BULK_BYTES = 16 * 1024 * 1024;

/**
 * Field paths of the bulk route are those of recordOrders (`input.orders[i]`,
 * i the 0-based line of the body), so a rejection reads the same whichever
 * way the orders came.
 */
export const bulkField = batchField('input.orders');

export interface ParsedBulk {
  /** The lines that are orders in shape, with their line index. */
  orders: { index: number; input: OrderInput }[];
  /** Lines that are not JSON or not an order's shape, rejected on their own. */
  rejected: IngestResult[];
}

/**
 * An NDJSON body (one `OrderInput` as JSON per line; a final newline is
 * optional) split into orders and per-line rejections: a malformed line
 * fails itself, never the request. Throws BAD_USER_INPUT for a body of more
 * than MAX_BULK_ORDERS lines.
 */
export function parseBulkOrders(body: string): ParsedBulk {
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length > MAX_BULK_ORDERS) {
    throw new GraphQLError(`input.orders: at most ${MAX_BULK_ORDERS} orders a request (got ${lines.length})`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'input.orders' },
    });
  }
  const parsed: ParsedBulk = { orders: [], rejected: [] };
  lines.forEach((line, index) => {
    const at = bulkField(index);
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      parsed.rejected.push(rejection(index, undefined, at, `${at}: is not a JSON object on one line`));
      return;
    }
    try {
      parsed.orders.push({ index, input: orderInputFromJson(at, raw) });
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions.code !== 'BAD_USER_INPUT') throw err;
      parsed.rejected.push(rejection(index, raw as OrderInput, String(err.extensions.field ?? at), err.message));
    }
  });
  return parsed;
}
