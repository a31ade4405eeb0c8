import { ANALYTICS_OUTBOX_EXPANDERS } from '../clv/scored-customers-outbox';
import { expandRecordedOrders, RECORDED_ORDERS_OUTBOX_TYPE } from '../orders/recorded-orders-outbox';

/**
 * Every compact outbox row type analytics writes and its expansion
 * (ServiceDefinition.outboxExpanders): the scorings' (ANALYTICS_OUTBOX_EXPANDERS)
 * and the order ingest's. Read the outbox as published with these.
 */
export const ANALYTICS_SERVICE_OUTBOX_EXPANDERS = {
  ...ANALYTICS_OUTBOX_EXPANDERS,
  [RECORDED_ORDERS_OUTBOX_TYPE]: expandRecordedOrders,
};
