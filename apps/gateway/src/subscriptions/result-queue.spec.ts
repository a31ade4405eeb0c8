import { ConnectionBudget, ResultQueue } from './result-queue';

describe('ResultQueue', () => {
  it('yields results in push order even when later ones resolve first, skipping nulls', async () => {
    const budget = new ConnectionBudget(10, () => undefined);
    const queue = new ResultQueue<string>(budget);
    let resolveFirst!: (v: string) => void;
    queue.push(new Promise((resolve) => (resolveFirst = resolve)));
    queue.push(Promise.resolve(null));
    queue.push(Promise.resolve('third'));
    const first = queue.next();
    resolveFirst('first');
    expect(await first).toEqual({ done: false, value: 'first' });
    expect(await queue.next()).toEqual({ done: false, value: 'third' });
    expect(budget.size).toBe(0);
  });

  it('closes the connection once, when its results waiting unread exceed the budget', () => {
    const overflows: number[] = [];
    const budget = new ConnectionBudget(2, () => overflows.push(budget.size));
    const a = new ResultQueue<string>(budget);
    const b = new ResultQueue<string>(budget);
    expect([
      a.push(Promise.resolve('1')),
      b.push(Promise.resolve('2')),
      a.push(Promise.resolve('3')),
      b.push(Promise.resolve('4')),
    ]).toEqual([true, true, false, false]);
    expect(overflows).toEqual([2]);
  });

  it('ends on return(): a waiting next() finishes, queued results free the budget, onEnd runs once', async () => {
    const budget = new ConnectionBudget(5, () => undefined);
    let ended = 0;
    const idle = new ResultQueue<string>(budget, () => ended++);
    const waiting = idle.next();
    await idle.return();
    expect(await waiting).toEqual({ done: true, value: undefined });

    const busy = new ResultQueue<string>(budget, () => ended++);
    busy.push(new Promise(() => undefined));
    busy.push(new Promise(() => undefined));
    expect(budget.size).toBe(2);
    busy.end();
    busy.end();
    expect(budget.size).toBe(0);
    expect(ended).toBe(2);
    expect(busy.push(Promise.resolve('late'))).toBe(false);
  });
});
