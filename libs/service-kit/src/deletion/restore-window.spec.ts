import { requireRestorable, restorableUntil } from './restore-window';

describe('restore window', () => {
  it('keeps a record restorable for the configured number of days, to the millisecond', () => {
    const deletedAt = new Date('2026-03-28T12:00:00.000Z');
    const until = restorableUntil(deletedAt, 30);
    expect(until.toISOString()).toBe('2026-04-27T12:00:00.000Z');
    expect(() => requireRestorable('Contact', 'c', until, new Date(until.getTime() - 1))).not.toThrow();
    let code: unknown;
    try {
      requireRestorable('Contact', 'c', until, until);
    } catch (err) {
      code = (err as { extensions: unknown }).extensions;
    }
    expect(code).toEqual({ code: 'CONFLICT', field: 'input.id' });
  });
});
