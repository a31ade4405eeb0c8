import { GraphQLError } from 'graphql';
import {
  canTransition,
  initialStatus,
  LEAD_STATUSES,
  requireConvertible,
  requireNotConverted,
  requireTransition,
  validScore,
} from './lead-rules';

function errorOf(fn: () => unknown): Record<string, unknown> | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
}

describe('lead status rules', () => {
  it('allows the qualification path and re-opening, nothing out of CONVERTED', () => {
    expect(canTransition('NEW', 'WORKING')).toBe(true);
    expect(canTransition('WORKING', 'QUALIFIED')).toBe(true);
    expect(canTransition('QUALIFIED', 'WORKING')).toBe(true);
    expect(canTransition('DISQUALIFIED', 'WORKING')).toBe(true);
    expect(canTransition('DISQUALIFIED', 'QUALIFIED')).toBe(false);
    expect(canTransition('WORKING', 'NEW')).toBe(false);
    for (const to of LEAD_STATUSES.filter((s) => s !== 'CONVERTED')) expect(canTransition('CONVERTED', to)).toBe(false);
  });

  it('CONVERTED is reachable only through convertLead', () => {
    for (const from of ['NEW', 'WORKING', 'QUALIFIED'] as const)
      expect(errorOf(() => requireTransition(from, 'CONVERTED'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
    expect(errorOf(() => initialStatus('CONVERTED'))).toMatchObject({ field: 'status' });
    expect(initialStatus(undefined)).toBe('NEW');
    expect(initialStatus('QUALIFIED')).toBe('QUALIFIED');
  });

  it('refuses converting twice or a disqualified lead with CONFLICT; converted leads do not change', () => {
    expect(errorOf(() => requireConvertible({ id: 'l', status: 'QUALIFIED' }))).toBeNull();
    expect(errorOf(() => requireConvertible({ id: 'l', status: 'NEW' }))).toBeNull();
    expect(errorOf(() => requireConvertible({ id: 'l', status: 'CONVERTED' }))).toMatchObject({ code: 'CONFLICT', field: 'leadId' });
    expect(errorOf(() => requireConvertible({ id: 'l', status: 'DISQUALIFIED' }))).toMatchObject({ code: 'CONFLICT' });
    expect(errorOf(() => requireNotConverted({ id: 'l', status: 'CONVERTED' }))).toMatchObject({ code: 'CONFLICT' });
  });

  it('scores are whole numbers 0–100, default 0', () => {
    expect(validScore('score', undefined)).toBe(0);
    expect(validScore('score', 100)).toBe(100);
    expect(errorOf(() => validScore('score', 101))).toMatchObject({ field: 'score' });
    expect(errorOf(() => validScore('score', 5.5))).toMatchObject({ field: 'score' });
  });
});
