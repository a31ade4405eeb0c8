import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { GraphQLError } from 'graphql';
import { requireCatalogAdmin, requireCatalogRead } from '../products/catalog-access';
import { averageAmount, dateRange, ownerScope, periodRange, weightedFromSum } from './forecast-rules';

const as = (roles: Role[], kind: Principal['kind'] = 'user', scopes: string[] = []): Principal => ({
  kind,
  tenantId: 't',
  id: `u-${roles.join('-')}`,
  roles,
  scopes,
  contactId: null,
});

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error('expected an error');
}

describe('forecast periods', () => {
  it('turns a year, quarter or month into calendar dates', () => {
    expect(periodRange({ year: 2026 })).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(periodRange({ year: 2026, quarter: 1 })).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(periodRange({ year: 2026, quarter: 4 })).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodRange({ year: 2028, month: 2 })).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodRange({ year: 2026, month: 2 })).toEqual({ from: '2026-02-01', to: '2026-02-28' });
  });

  it('refuses a quarter and a month together, and out-of-range values', () => {
    expect(errorOf(() => periodRange({ year: 2026, quarter: 1, month: 1 })).field).toBe('period.month');
    expect(errorOf(() => periodRange({ year: 2026, quarter: 5 })).field).toBe('period.quarter');
    expect(errorOf(() => periodRange({ year: 2026, month: 0 })).field).toBe('period.month');
    expect(errorOf(() => dateRange('2026-03-01', '2026-02-01')).field).toBe('to');
  });
});

describe('forecast money', () => {
  it('weights the exact sum once, half-even', () => {
    // 0.10 × 25 = 2.5 → /100 = 0.025 → 0.02
    expect(weightedFromSum('2.5', 'EUR')).toEqual({ amount: '0.02', currency: 'EUR' });
    expect(weightedFromSum('123450', 'JPY')).toEqual({ amount: '1234', currency: 'JPY' });
    expect(averageAmount('100.00', 3, 'USD')).toEqual({ amount: '33.33', currency: 'USD' });
    expect(averageAmount('0.05', 2, 'USD').amount).toBe('0.02');
  });
});

describe('forecast and catalogue access', () => {
  it('reps see their own numbers; managers and admins everyone or one owner', () => {
    const rep = as(['sales_rep']);
    expect(ownerScope(rep, null)).toBe(rep.id);
    expect(ownerScope(rep, rep.id)).toBe(rep.id);
    expect(errorOf(() => ownerScope(rep, 'someone-else')).code).toBe('FORBIDDEN');
    expect(ownerScope(as(['sales_manager']), null)).toBeNull();
    expect(ownerScope(as(['admin']), 'x')).toBe('x');
    expect(ownerScope(as([], 'apiKey', ['opportunities:read']), null)).toBeNull();
  });

  it('everyone in sales reads the catalogue; only managers and admins maintain it', () => {
    expect(() => requireCatalogRead(as(['sales_rep']))).not.toThrow();
    expect(() => requireCatalogRead(as([], 'apiKey', ['products:read']))).not.toThrow();
    expect(errorOf(() => requireCatalogRead(as(['marketer']))).code).toBe('FORBIDDEN');
    expect(errorOf(() => requireCatalogRead(as([], 'customer'))).code).toBe('FORBIDDEN');
    expect(() => requireCatalogAdmin(as(['sales_manager']))).not.toThrow();
    expect(() => requireCatalogAdmin(as(['admin']))).not.toThrow();
    expect(errorOf(() => requireCatalogAdmin(as(['sales_rep']))).code).toBe('FORBIDDEN');
    expect(errorOf(() => requireCatalogAdmin(as([], 'apiKey', ['products:write']))).code).toBe('FORBIDDEN');
  });
});
