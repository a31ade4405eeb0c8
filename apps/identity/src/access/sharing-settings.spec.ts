import type { GraphQLError } from 'graphql';
import { sharingRuleViews, validSharingRule, withSharingRule } from './sharing-settings';

function problem(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('sharing settings', () => {
  it('accepts a rule and names the field of every bad part', () => {
    expect(validSharingRule({ object: 'CONTACT', access: 'PRIVATE' })).toEqual({ object: 'CONTACT', access: 'PRIVATE' });
    expect(problem(() => validSharingRule({ object: 'QUOTE', access: 'PRIVATE' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'object',
    });
    expect(problem(() => validSharingRule({ object: 'CASE', access: 'SECRET' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'access',
    });
  });

  it('keeps one rule per object, may open beyond the default, and drops a rule set back to the default', () => {
    let rules = withSharingRule([], { object: 'CONTACT', access: 'PRIVATE' });
    rules = withSharingRule(rules, { object: 'OPPORTUNITY', access: 'PUBLIC_READ_WRITE' });
    rules = withSharingRule(rules, { object: 'CONTACT', access: 'PUBLIC_READ_ONLY' });
    expect(rules).toEqual([
      { object: 'OPPORTUNITY', access: 'PUBLIC_READ_WRITE' },
      { object: 'CONTACT', access: 'PUBLIC_READ_ONLY' },
    ]);
    expect(withSharingRule(rules, { object: 'CONTACT', access: 'PUBLIC_READ_WRITE' })).toEqual([
      { object: 'OPPORTUNITY', access: 'PUBLIC_READ_WRITE' },
    ]);
  });

  it('lists every object with the access in force and its default', () => {
    const views = sharingRuleViews([{ object: 'CASE', access: 'PRIVATE' }]);
    expect(views.map((v) => v.object)).toEqual(['CONTACT', 'ACCOUNT', 'LEAD', 'OPPORTUNITY', 'CASE']);
    expect(views.find((v) => v.object === 'CASE')).toEqual({ object: 'CASE', access: 'PRIVATE', builtIn: 'PUBLIC_READ_WRITE' });
    expect(views.find((v) => v.object === 'LEAD')).toEqual({ object: 'LEAD', access: 'PUBLIC_READ_ONLY', builtIn: 'PUBLIC_READ_ONLY' });
  });
});
