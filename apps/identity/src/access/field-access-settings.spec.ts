import type { GraphQLError } from 'graphql';
import { fieldAccessViews, validFieldAccess, withFieldAccess } from './field-access-settings';

function problem(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('field access settings', () => {
  it('accepts a narrowing and names the field of every bad part', () => {
    expect(validFieldAccess({ role: 'sales_rep', fieldGroup: 'VALUE', access: 'NONE' })).toEqual({
      role: 'sales_rep',
      fieldGroup: 'VALUE',
      access: 'NONE',
    });
    expect(problem(() => validFieldAccess({ role: 'wizard', fieldGroup: 'VALUE', access: 'NONE' }))).toMatchObject({ field: 'role' });
    expect(problem(() => validFieldAccess({ role: 'admin', fieldGroup: 'VALUE', access: 'NONE' }))).toMatchObject({ field: 'role' });
    expect(problem(() => validFieldAccess({ role: 'sales_rep', fieldGroup: 'SALARY', access: 'NONE' }))).toMatchObject({
      field: 'fieldGroup',
    });
    expect(problem(() => validFieldAccess({ role: 'sales_rep', fieldGroup: 'VALUE', access: 'ALL' }))).toMatchObject({ field: 'access' });
  });

  it('never widens the built-in access', () => {
    expect(problem(() => validFieldAccess({ role: 'marketer', fieldGroup: 'CASE_COMMENTS', access: 'READ' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'access',
    });
  });

  it('keeps one narrowing per role and group, and drops it when set back to the built-in level', () => {
    let overrides = withFieldAccess([], { role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'READ' });
    overrides = withFieldAccess(overrides, { role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'NONE' });
    expect(overrides).toEqual([{ role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'NONE' }]);
    expect(withFieldAccess(overrides, { role: 'partner', fieldGroup: 'CONTACT_DETAILS', access: 'WRITE' })).toEqual([]);
  });

  it('shows the effective matrix with what is narrowed', () => {
    const views = fieldAccessViews([{ role: 'sales_rep', fieldGroup: 'VALUE', access: 'NONE' }], 'sales_rep');
    expect(views.find((v) => v.fieldGroup === 'VALUE')).toEqual({
      role: 'sales_rep',
      fieldGroup: 'VALUE',
      access: 'NONE',
      builtIn: 'READ',
      narrowed: true,
    });
    expect(views.find((v) => v.fieldGroup === 'PROFILE')).toMatchObject({ access: 'WRITE', narrowed: false });
  });
});
