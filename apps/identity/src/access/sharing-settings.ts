import { badUserInput } from '@rapport/auth';
import {
  DEFAULT_SHARING,
  isSharedObject,
  isSharingAccess,
  SHARED_OBJECTS,
  type SharedObject,
  type SharingAccess,
  type SharingRuleV1,
} from '@rapport/contracts';

export interface SharingRuleView {
  object: SharedObject;
  access: SharingAccess;
  builtIn: SharingAccess;
}

/** Checks a requested sharing rule; every problem is the caller's, named by its field. */
export function validSharingRule(input: { object: unknown; access: unknown }): SharingRuleV1 {
  if (!isSharedObject(input.object)) throw badUserInput('object', `unknown object ${JSON.stringify(input.object)}`);
  if (!isSharingAccess(input.access)) throw badUserInput('access', `unknown sharing access ${JSON.stringify(input.access)}`);
  return { object: input.object, access: input.access };
}

/**
 * The tenant's rules after one change. Unlike field access, sharing may be
 * opened beyond the default (e.g. opportunities PUBLIC_READ_WRITE): it only
 * decides which records of an object a caller reaches, never which parts —
 * the role matrix still caps that. Setting the default again removes the rule.
 */
export function withSharingRule(current: readonly SharingRuleV1[], change: SharingRuleV1): SharingRuleV1[] {
  const others = current.filter((r) => r.object !== change.object);
  return change.access === DEFAULT_SHARING[change.object] ? others : [...others, change];
}

/** Every object with the access in force and its built-in default, as the API shows it. */
export function sharingRuleViews(rules: readonly SharingRuleV1[]): SharingRuleView[] {
  return SHARED_OBJECTS.map((object) => ({
    object,
    access: rules.find((r) => r.object === object)?.access ?? DEFAULT_SHARING[object],
    builtIn: DEFAULT_SHARING[object],
  }));
}
