import { deadLetterStream, parkedSubject, parseParkedId, replaySubject, serviceOfDeadLetterStream } from './dead-letter-record';
import { streamFor } from './naming';

describe('dead-letter naming', () => {
  const test = { subjectPrefix: 't1', streamSuffix: 't1' };
  const prod = { subjectPrefix: '', streamSuffix: '' };

  it('gives each service a stream whose parked subjects leave room for replay requests outside it', () => {
    expect(streamFor(prod, deadLetterStream('sales'))).toEqual({ name: 'DEADLETTER_SALES', subjects: ['deadletter.sales.parked.>'] });
    expect(streamFor(test, deadLetterStream('sales'))).toEqual({ name: 'DEADLETTER_SALES_t1', subjects: ['t1.deadletter.sales.parked.>'] });
    expect(parkedSubject(test, 'sales', 'sales_identity_users')).toBe('t1.deadletter.sales.parked.sales_identity_users');
    expect(replaySubject(test, 'sales')).toBe('t1.deadletter.sales.replay');
  });

  it('finds the service of a dead-letter stream, and only under the same naming', () => {
    expect(serviceOfDeadLetterStream(prod, ['deadletter.marketing.parked.>'])).toBe('marketing');
    expect(serviceOfDeadLetterStream(test, ['t1.deadletter.marketing.parked.>'])).toBe('marketing');
    expect(serviceOfDeadLetterStream(prod, ['t1.deadletter.marketing.parked.>'])).toBeNull();
    expect(serviceOfDeadLetterStream(prod, ['sales.>'])).toBeNull();
    expect(serviceOfDeadLetterStream(prod, ['deadletter.a.b.parked.>'])).toBeNull();
  });

  it('reads parked ids as <service>:<sequence> and says what a bad one should look like', () => {
    expect(parseParkedId('analytics:42')).toEqual({ service: 'analytics', seq: 42 });
    for (const bad of ['42', 'sales:', 'sales:0', 'sales:-1', 'Sales:1', 'sales:1x'])
      expect(() => parseParkedId(bad)).toThrow(/not a parked event id/);
  });
});
