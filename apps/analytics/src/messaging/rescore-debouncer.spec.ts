import { RescoreDebouncer } from './rescore-debouncer';

describe('RescoreDebouncer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands on one union per tenant per window, however many batches arrive in it', () => {
    const flushed: [string, string[]][] = [];
    const d = new RescoreDebouncer(1000, (tenant, ids) => flushed.push([tenant, ids.sort()]));
    d.add('t1', ['a', 'b']);
    jest.advanceTimersByTime(400);
    d.add('t1', ['b', 'c']);
    d.add('t2', []);
    expect(flushed).toEqual([]);
    jest.advanceTimersByTime(600);
    expect(flushed).toEqual([['t1', ['a', 'b', 'c']]]);
    jest.advanceTimersByTime(400);
    expect(flushed).toEqual([
      ['t1', ['a', 'b', 'c']],
      ['t2', []],
    ]);
    // A new window starts with the next change.
    d.add('t1', ['d']);
    jest.advanceTimersByTime(999);
    expect(flushed).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(flushed[2]).toEqual(['t1', ['d']]);
  });

  it('flushAll hands on what is pending at once, and only once', () => {
    const flushed: string[] = [];
    const d = new RescoreDebouncer(1000, (tenant) => flushed.push(tenant));
    d.add('t1', ['a']);
    d.add('t2', ['b']);
    d.flushAll();
    expect(flushed.sort()).toEqual(['t1', 't2']);
    jest.advanceTimersByTime(2000);
    expect(flushed).toHaveLength(2);
  });
});
