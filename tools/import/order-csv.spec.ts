import { orderImportOptionsFromArgs } from './import-orders';
import { csvColumnOf, orderCsvColumns, OrderCsvError, orderFromCsvRecord } from './order-csv';

describe('orders CSV → recordOrders input', () => {
  const header = [
    'Source',
    'external_order_id',
    'customer_source',
    'customer_key',
    'occurred_at',
    'amount',
    'currency',
    'channel',
    'status',
  ];

  it('maps an external customer, trims cells, upper-cases currency and status, drops empty optionals', () => {
    const columns = orderCsvColumns(header);
    expect(orderFromCsvRecord(columns, ['shop', ' A-1 ', 'ERP', 'C-9', '2024-03-01T10:00:00Z', '12.50', 'eur', '', 'refunded'])).toEqual({
      source: 'shop',
      externalOrderId: 'A-1',
      externalCustomer: { source: 'ERP', key: 'C-9' },
      occurredAt: '2024-03-01T10:00:00Z',
      amount: '12.50',
      currency: 'EUR',
      status: 'REFUNDED',
    });
  });

  it('maps a contact id and leaves status out when empty (the server defaults it to PLACED)', () => {
    const columns = orderCsvColumns(['contact_id', 'source', 'external_order_id', 'occurred_at', 'amount', 'currency', 'channel']);
    const id = '0190a000-0000-7000-8000-000000000001';
    expect(orderFromCsvRecord(columns, [id, 'pos', '7', '2024-03-01T10:00:00+01:00', '3', 'USD', 'Store'])).toEqual({
      source: 'pos',
      externalOrderId: '7',
      contactId: id,
      occurredAt: '2024-03-01T10:00:00+01:00',
      amount: '3',
      currency: 'USD',
      channel: 'Store',
    });
  });

  it('passes both customer forms on, so the server rejects the row as recordOrders does', () => {
    const columns = orderCsvColumns([...header, 'contact_id']);
    const order = orderFromCsvRecord(columns, ['s', '1', 'erp', 'k', '2024-03-01T10:00:00Z', '1', 'EUR', '', '', 'c1']);
    expect(order).toMatchObject({ contactId: 'c1', externalCustomer: { source: 'erp', key: 'k' } });
  });

  it('rejects a row whose status or occurred_at the GraphQL types would refuse for the whole batch', () => {
    const columns = orderCsvColumns(header);
    expect(() => orderFromCsvRecord(columns, ['s', '1', 'erp', 'k', '2024-03-01T10:00:00Z', '1', 'EUR', '', 'lost'])).toThrow(
      OrderCsvError,
    );
    expect(() => orderFromCsvRecord(columns, ['s', '1', 'erp', 'k', '2024-03-01', '1', 'EUR', '', ''])).toThrow(/occurred_at/);
  });

  it('requires the key columns and a customer column in the header', () => {
    expect(() => orderCsvColumns(['source', 'external_order_id', 'occurred_at', 'amount', 'currency'])).toThrow(/contact_id/);
    expect(() => orderCsvColumns(['source', 'contact_id', 'occurred_at', 'amount', 'currency'])).toThrow(/external_order_id/);
  });

  it('reads the CLI flags', () => {
    expect(orderImportOptionsFromArgs(['o.csv', '--batch', '500', '--concurrency', '2'], { RAPPORT_TOKEN: 't' })).toMatchObject({
      file: 'o.csv',
      batchSize: 500,
      concurrency: 2,
      token: 't',
      url: 'http://localhost:4000/graphql',
    });
    expect(orderImportOptionsFromArgs(['o.csv'], { RAPPORT_TOKEN: 't' }).batchSize).toBe(5000);
    expect(() => orderImportOptionsFromArgs(['o.csv', '--batch', '10001'], {})).toThrow(/--batch/);
  });

  it('names the CSV column behind a field recordOrders refused', () => {
    expect(csvColumnOf('input.orders[12].occurredAt')).toBe('occurred_at');
    expect(csvColumnOf('orders[0].externalCustomer.key')).toBe('customer_key');
    expect(csvColumnOf('orders[3].lines[0].sku')).toBeNull();
  });
});
