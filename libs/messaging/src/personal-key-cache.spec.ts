import { KeyTickets, PersonalKeyCache } from './personal-key-cache';

const key = (revision: number) => ({ key: Buffer.alloc(32, revision), revision });

describe('PersonalKeyCache', () => {
  it('keeps at most max keys, dropping the least recently used', () => {
    const cache = new PersonalKeyCache(2);
    cache.set('a', key(1));
    cache.set('b', key(2));
    expect(cache.get('a')).toEqual(key(1)); // a is now the most recent
    cache.set('c', key(3));
    expect(cache.size).toBe(2);
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toEqual(key(1));
    expect(cache.peek('c')).toEqual(key(3));
  });

  it('keeps nothing when max is 0', () => {
    const cache = new PersonalKeyCache(0);
    cache.set('a', key(1));
    expect(cache.size).toBe(0);
  });
});

describe('KeyTickets', () => {
  it('marks only the requests in flight for the key the watch saw change', () => {
    const tickets = new KeyTickets();
    const a = tickets.begin('a', 1);
    const a2 = tickets.begin('a', 1);
    const b = tickets.begin('b', 1);
    tickets.written('a', 7);
    tickets.destroyed('a');
    expect([a.destroyed, a2.destroyed, b.destroyed]).toEqual([true, true, false]);
    expect([a.newestWrite, b.newestWrite]).toEqual([7, 0]);
    tickets.end(a);
    tickets.end(a2);
    const later = tickets.begin('a', 1);
    expect(later.destroyed).toBe(false);
  });
});
