import { durableFor, streamFor, subjectFor, subjectMatches } from './naming';

describe('messaging naming', () => {
  it('prefixes subjects and suffixes streams for isolated runs, and leaves production names alone', () => {
    const test = { subjectPrefix: 't1', streamSuffix: 't1' };
    expect(subjectFor(test, 'sales.contact.created')).toBe('t1.sales.contact.created');
    expect(streamFor(test, { name: 'SALES', subjects: ['sales.>'] })).toEqual({ name: 'SALES_t1', subjects: ['t1.sales.>'] });
    expect(durableFor(test, 'analytics_contacts')).toBe('analytics_contacts_t1');
    const prod = { subjectPrefix: '', streamSuffix: '' };
    expect(subjectFor(prod, 'sales.contact.created')).toBe('sales.contact.created');
    expect(streamFor(prod, { name: 'SALES', subjects: ['sales.>'] }).name).toBe('SALES');
  });

  it('matches NATS wildcards', () => {
    expect(subjectMatches('sales.>', 'sales.contact.created')).toBe(true);
    expect(subjectMatches('sales.>', 'sales')).toBe(false);
    expect(subjectMatches('sales.*.created', 'sales.contact.created')).toBe(true);
    expect(subjectMatches('sales.*.created', 'sales.contact.updated')).toBe(false);
    expect(subjectMatches('sales.contact', 'sales.contact.created')).toBe(false);
  });
});
