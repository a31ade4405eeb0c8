import { CleanupStack, StopRequested, untilAborted } from './lifecycle';

describe('CleanupStack', () => {
  it('runs steps last-registered first, one at a time, and keeps going past a failure', async () => {
    const stack = new CleanupStack();
    const order: string[] = [];
    const step =
      (name: string, fail = false) =>
      async () => {
        order.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`${name}:end`);
        if (fail) throw new Error(`${name} broke`);
      };
    stack.push('postgres', step('postgres'));
    stack.push('identity', step('identity', true));
    stack.push('gateway', step('gateway'));
    const errors: string[] = [];
    const failed = await stack.runAll((label, error) => errors.push(`${label}: ${(error as Error).message}`));
    expect(order).toEqual(['gateway:start', 'gateway:end', 'identity:start', 'identity:end', 'postgres:start', 'postgres:end']);
    expect(failed).toEqual(['identity']);
    expect(errors).toEqual(['identity: identity broke']);
    expect(stack.size).toBe(0);
  });
});

describe('untilAborted', () => {
  it('resolves with the abort reason, also when already aborted', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(controller.signal);
    controller.abort(new StopRequested('SIGINT'));
    await expect(waiting).resolves.toBeInstanceOf(StopRequested);
    await expect(untilAborted(controller.signal)).resolves.toMatchObject({ signal: 'SIGINT' });
  });
});
