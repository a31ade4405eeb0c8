import fc from 'fast-check';
import { serverFilter } from './durable-filter';
import { coveringSubject, durableFor, streamFor, subjectFor, subjectMatches } from './naming';

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

  it('covers several event types with the narrowest single pattern', () => {
    expect(coveringSubject(['analytics.customer.tier_changed'])).toBe('analytics.customer.tier_changed');
    expect(coveringSubject(['analytics.customer.tier_changed', 'analytics.customer.value_changed'])).toBe('analytics.customer.*');
    expect(coveringSubject(['marketing.message.sent', 'marketing.consent.changed'])).toBe('marketing.*.*');
    expect(coveringSubject(['sales.contact.created', 'sales.contact.merge.undone'])).toBe('sales.contact.>');
    expect(coveringSubject(['sales.>', 'sales.contact.created'])).toBe('sales.>');
    expect(coveringSubject(['sales.contact', 'service.case.opened'])).toBe('*.>');
  });

  it('filters a consumer on the server by its cover, unless that spans producers', () => {
    const naming = { subjectPrefix: 't1', streamSuffix: 't1' };
    expect(serverFilter(naming, ['analytics.customer.tier_changed', 'analytics.customer.value_changed'])).toEqual({
      filter_subject: 't1.analytics.customer.*',
    });
    expect(serverFilter(naming, ['sales.>'])).toEqual({ filter_subject: 't1.sales.>' });
    expect(serverFilter(naming, ['sales.contact.created', 'service.case.opened'])).toEqual({});
  });

  it('never leaves out a subject one of the patterns matches', () => {
    const token = fc.constantFrom('a', 'b', 'c');
    const pattern = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([tokens, tail]) => [...tokens, ...(tail ? ['>'] : [])].join('.'));
    const subject = fc.array(token, { minLength: 1, maxLength: 6 }).map((t) => t.join('.'));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), subject, (patterns, s) => {
        if (patterns.some((p) => subjectMatches(p, s))) expect(subjectMatches(coveringSubject(patterns), s)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
