import { GraphQLError } from 'graphql';
import { orderKey, validateOrder, type OrderInput, type ValidOrder } from './order-input';

export type IngestOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'REJECTED';

export interface OrderRejection {
  code: 'BAD_USER_INPUT';
  field: string;
  message: string;
}

/** What happened to one order of a batch, in input order. */
export interface IngestResult {
  index: number;
  source: string | null;
  externalOrderId: string | null;
  outcome: IngestOutcome;
  orderId: string | null;
  /** The contact the order counts for; null while its customer is unmatched. */
  contactId: string | null;
  /** A guest order: recorded for no customer (none was given). */
  guest: boolean;
  error: OrderRejection | null;
}

/** Where order `index` sits in the request, for error fields: `input.orders[3]`, or `data.order` for an event. */
export type FieldAt = (index: number) => string;

export const batchField =
  (list: string): FieldAt =>
  (index) =>
    `${list}[${index}]`;

export interface PlannedBatch {
  valid: { index: number; order: ValidOrder }[];
  rejected: IngestResult[];
}

/**
 * Validates every order on its own, so one bad order never sinks the good
 * ones, and refuses a second occurrence of the same (source, external id)
 * in one batch: which of the two is "the" order would be a guess.
 */
export function planBatch(fieldAt: FieldAt, inputs: readonly OrderInput[], now: Date = new Date()): PlannedBatch {
  const valid: PlannedBatch['valid'] = [];
  const rejected: IngestResult[] = [];
  const firstIndex = new Map<string, number>();
  inputs.forEach((input, index) => {
    const at = fieldAt(index);
    try {
      const order = validateOrder(at, input, now);
      const key = orderKey(order);
      const earlier = firstIndex.get(key);
      if (earlier !== undefined) {
        rejected.push(
          rejection(
            index,
            input,
            `${at}.externalOrderId`,
            `${at}.externalOrderId: the same order is already at ${fieldAt(earlier)} in this batch`,
          ),
        );
        return;
      }
      firstIndex.set(key, index);
      valid.push({ index, order });
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions.code !== 'BAD_USER_INPUT') throw err;
      rejected.push(rejection(index, input, String(err.extensions.field ?? at), err.message));
    }
  });
  return { valid, rejected };
}

export function rejection(index: number, input: OrderInput | undefined, field: string, message: string): IngestResult {
  return {
    index,
    source: typeof input?.source === 'string' ? input.source : null,
    externalOrderId: typeof input?.externalOrderId === 'string' ? input.externalOrderId : null,
    outcome: 'REJECTED',
    orderId: null,
    contactId: null,
    guest: false,
    error: { code: 'BAD_USER_INPUT', field, message },
  };
}

/**
 * Splits orders taken from a stream into rounds in which each (source,
 * external id) occurs once, keeping the stream order per order: the n-th
 * message about an order goes into round n. A batch of events may carry an
 * order and, later, its cancellation; applied round after round, the later
 * message wins as it would one event at a time (a single ingest call would
 * reject the second as a duplicate). Orders without a usable key go into
 * the first round, where validation rejects them.
 */
export function inRounds<T extends { input: OrderInput }>(items: readonly T[]): T[][] {
  const seen = new Map<string, number>();
  const rounds: T[][] = [];
  for (const item of items) {
    const { source, externalOrderId } = item.input ?? {};
    const key =
      typeof source === 'string' && typeof externalOrderId === 'string'
        ? `${source.trim().toLowerCase()}\u0000${externalOrderId.trim()}`
        : null;
    const round = key === null ? 0 : (seen.get(key) ?? 0);
    if (key !== null) seen.set(key, round + 1);
    (rounds[round] ??= []).push(item);
  }
  return rounds.filter((r) => r !== undefined);
}
