import { newEvent } from './events';
import { publishedEnvelope, STORED_TRACE_KEY, storedEnvelope } from './trace-context';

describe('storedEnvelope', () => {
  const event = newEvent({
    type: 'analytics.order.recorded',
    tenantId: '0192d7a0-0000-7000-8000-000000000001',
    actor: { kind: 'user', id: '0192d7a0-0000-7000-8000-000000000002' },
    subjectId: 'o-1',
    data: { amount: '12.50', note: 'quote " and } brace', nested: { list: [1, { a: null }] } },
  });

  it('stores the envelope with the trace context under its key, the same document as a copy with the key', () => {
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'req-1' };
    const stored = storedEnvelope(event, trace);
    expect(JSON.parse(stored)).toEqual({ ...event, [STORED_TRACE_KEY]: trace });
    expect(publishedEnvelope(JSON.parse(stored))).toEqual({ envelope: event, trace });
  });

  it('stores the envelope alone when there is no trace context', () => {
    expect(storedEnvelope(event, null)).toBe(JSON.stringify(event));
    expect(publishedEnvelope(JSON.parse(storedEnvelope(event, null)))).toEqual({ envelope: event, trace: null });
  });
});
