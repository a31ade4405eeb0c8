import { devMessageFileName } from './dev-provider';

describe('devMessageFileName', () => {
  it('sorts by arrival and names the recipient safely', () => {
    expect(devMessageFileName(new Date('2026-12-06T20:01:02.123Z'), 7, '+49 170/123')).toBe(
      '2026-12-06T20-01-02.123Z-0007-+49_170_123.json',
    );
  });
});
