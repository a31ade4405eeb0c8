import { asksForFreshAnswers } from './fresh-answers';

const asking = (value?: string) => asksForFreshAnswers({ headers: value === undefined ? {} : { 'cache-control': value } });

describe('asksForFreshAnswers', () => {
  it('is true for no-cache, no-store and max-age=0, in any case and among other directives', () => {
    for (const value of ['no-cache', 'No-Cache', 'no-store', 'max-age=0', 'max-age = 0', 'max-age="0"', 'private, no-cache', 'max-age=00'])
      expect(asking(value)).toBe(true);
  });

  it('is false without the header, and for directives that allow a kept answer', () => {
    for (const value of [undefined, '', 'max-age=60', 'max-age=10', 'private', 'no-transform', 'only-if-cached', 'x-no-cache'])
      expect(asking(value)).toBe(false);
  });
});
