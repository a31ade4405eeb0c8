import { requestWaitBudget, WaitBudget } from './wait-budget';

describe('WaitBudget', () => {
  it('counts down from its start and stays spent', () => {
    let t = 1000;
    const budget = new WaitBudget(3000, () => t);
    expect(budget.remainingMs()).toBe(3000);
    t = 3500;
    expect(budget.remainingMs()).toBe(500);
    expect(budget.spent).toBe(false);
    t = 4000;
    expect(budget.spent).toBe(true);
    t = 9000;
    expect(budget.remainingMs()).toBe(0);
  });

  it('is one per request: a second use gets the same (partly spent) budget, not a fresh one', () => {
    const context: { waitBudget?: WaitBudget } = {};
    const first = requestWaitBudget(context, 3000);
    expect(requestWaitBudget(context, 3000)).toBe(first);
    expect(requestWaitBudget({}, 3000)).not.toBe(first);
  });
});
