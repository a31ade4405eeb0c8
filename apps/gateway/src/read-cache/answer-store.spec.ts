import { AnswerStore } from './answer-store';

describe('AnswerStore', () => {
  it('gives each hit an object of its own', () => {
    const store = new AnswerStore(10_000, 1_000);
    store.set('k', { data: { contact: { id: '1' } } });
    const first = store.get<{ data: { contact: { id: string } } }>('k')!;
    first.data.contact.id = 'changed';
    expect(store.get('k')).toEqual({ data: { contact: { id: '1' } } });
  });

  it('serves nothing past its TTL', () => {
    let now = 0;
    const store = new AnswerStore(10_000, 1_000, () => now);
    store.set('k', { data: 1 });
    now = 999;
    expect(store.get('k')).toEqual({ data: 1 });
    now = 1_000;
    expect(store.get('k')).toBeUndefined();
    expect(store.bytes).toBe(0);
  });

  it('drops the least recently used answers once past its bytes', () => {
    const answer = { data: 'x'.repeat(40) };
    const size = (1 + JSON.stringify(answer).length) * 2;
    const store = new AnswerStore(size * 4, 60_000);
    for (const key of ['a', 'b', 'c', 'd']) store.set(key, answer);
    store.get('a');
    store.set('e', answer);
    expect(store.get('b')).toBeUndefined();
    expect(['a', 'c', 'd', 'e'].map((k) => store.get(k) !== undefined)).toEqual([true, true, true, true]);
    expect(store.bytes).toBe(size * 4);
  });

  it('keeps no answer larger than a quarter of its bound', () => {
    const store = new AnswerStore(400, 60_000);
    store.set('big', { data: 'x'.repeat(100) });
    expect(store.get('big')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('replaces an answer under the same key without counting it twice', () => {
    const store = new AnswerStore(10_000, 60_000);
    store.set('k', { data: 1 });
    const bytes = store.bytes;
    store.set('k', { data: 2 });
    expect(store.bytes).toBe(bytes);
    expect(store.get('k')).toEqual({ data: 2 });
  });
});
