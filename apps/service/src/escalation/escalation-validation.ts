import type { CasePriorityV1, SlaKindV1 } from '@rapport/contracts';
import { CATEGORIES, PRIORITIES } from '../cases/case-rules';
import {
  ACTION_TYPES,
  NOTIFY_ROLES,
  RULE_SLA_STATES,
  type EscalationAction,
  type EscalationConditions,
  type EscalationLevel,
  type EscalationRule,
  type NotifyRole,
  type RuleSlaState,
} from './escalation-rules';

/** One thing wrong with a rule set, by the input path of the field (`rules[1].levels[0].actions[2].queueId`). */
export interface RuleProblem {
  field: string;
  message: string;
}

/** An id the rule set names, to be checked against the tenant's queues or identity's users before activating. */
export interface RuleReference {
  field: string;
  kind: 'QUEUE' | 'USER';
  id: string;
}

export type RuleSetCheck = { rules: EscalationRule[]; references: RuleReference[]; problems: [] } | { problems: RuleProblem[] };

export const LIMITS = { rules: 50, levels: 10, actions: 20, minutes: 525_600, commentLength: 5000, nameLength: 100 };
const SLA_KINDS: readonly SlaKindV1[] = ['FIRST_RESPONSE', 'RESOLUTION'];
const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which fields each action type uses; any other field given is a mistake worth naming, not something to ignore. */
const ACTION_FIELDS: Record<EscalationAction['type'], readonly string[]> = {
  REASSIGN: ['userId'],
  CHANGE_QUEUE: ['queueId', 'toEscalationQueue'],
  RAISE_PRIORITY: ['priority'],
  NOTIFY: ['recipients', 'userIds', 'email'],
  ADD_INTERNAL_COMMENT: ['body'],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** GraphQL hands absent optional fields over as null or undefined alike. */
const given = (o: Obj, k: string) => o[k] !== undefined && o[k] !== null;

/**
 * Checks a whole rule set, collecting every problem (so an admin fixes them
 * in one go), and returns it normalised with the ids that still need the
 * database's word. Pure: the input is whatever the caller sent.
 */
export function checkRuleSet(input: unknown): RuleSetCheck {
  const problems: RuleProblem[] = [];
  const references: RuleReference[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  if (!Array.isArray(input)) return { problems: [{ field: 'rules', message: 'must be a list of rules' }] };
  if (input.length > LIMITS.rules) problem('rules', `at most ${LIMITS.rules} rules`);
  const keys = new Set<string>();
  const rules: EscalationRule[] = [];
  input.slice(0, LIMITS.rules).forEach((raw, i) => {
    const at = `rules[${i}]`;
    if (!isObj(raw)) return problem(at, 'must be a rule');
    unknownFields(raw, ['key', 'name', 'conditions', 'levels'], at, problem);
    const key = typeof raw.key === 'string' ? raw.key.trim() : '';
    if (!KEY.test(key)) problem(`${at}.key`, 'must be 1–64 letters, digits, - or _, starting with a letter or digit');
    else if (keys.has(key.toLowerCase())) problem(`${at}.key`, `"${key}" is used by an earlier rule; keys are unique`);
    keys.add(key.toLowerCase());
    const name = typeof raw.name === 'string' ? raw.name.trim() : '';
    if (name.length < 1 || name.length > LIMITS.nameLength) problem(`${at}.name`, `must be 1–${LIMITS.nameLength} characters`);
    const conditions = checkConditions(raw.conditions, `${at}.conditions`, problem, references);
    const levels = checkLevels(raw.levels, `${at}.levels`, problem, references);
    rules.push({ key, name, conditions, levels });
  });
  return problems.length > 0 ? { problems } : { rules, references, problems: [] };
}

type Problem = (field: string, message: string) => void;

function unknownFields(o: Obj, known: readonly string[], at: string, problem: Problem): void {
  for (const k of Object.keys(o)) if (!known.includes(k) && given(o, k)) problem(`${at}.${k}`, 'is not a field of this object');
}

/** A list condition: absent means "any"; an empty list would match no case at all, which is a contradiction, not a rule. */
function listOf<T extends string>(
  o: Obj,
  k: string,
  at: string,
  problem: Problem,
  check: (v: unknown, field: string) => T | null,
): T[] | undefined {
  if (!given(o, k)) return undefined;
  const v = o[k];
  if (!Array.isArray(v)) return (problem(`${at}.${k}`, 'must be a list'), undefined);
  if (v.length === 0) problem(`${at}.${k}`, 'an empty list matches no case; leave it out to match any');
  const out: T[] = [];
  v.forEach((item, i) => {
    const ok = check(item, `${at}.${k}[${i}]`);
    if (ok !== null && !out.includes(ok)) out.push(ok);
  });
  return out;
}

const oneOf =
  <T extends string>(allowed: readonly T[], problem: Problem) =>
  (v: unknown, field: string): T | null => {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    problem(field, `must be one of ${allowed.join(', ')}`);
    return null;
  };

function checkConditions(raw: unknown, at: string, problem: Problem, references: RuleReference[]): EscalationConditions {
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) return (problem(at, 'must be an object'), {});
  unknownFields(raw, ['priorities', 'tiers', 'categories', 'queueIds', 'openMinutesAtLeast', 'sla'], at, problem);
  const c: EscalationConditions = {};
  const priorities = listOf(raw, 'priorities', at, problem, oneOf(PRIORITIES, problem));
  if (priorities) c.priorities = priorities;
  const tiers = listOf(raw, 'tiers', at, problem, (v, field) => {
    if (typeof v === 'string' && v.trim().length >= 1 && v.trim().length <= 50) return v.trim().toLowerCase();
    problem(field, 'must be a tier name of 1–50 characters');
    return null;
  });
  if (tiers) c.tiers = tiers;
  const categories = listOf(raw, 'categories', at, problem, oneOf(CATEGORIES, problem));
  if (categories) c.categories = categories;
  const queueIds = listOf(raw, 'queueIds', at, problem, (v, field) => {
    if (typeof v === 'string' && UUID.test(v)) return v.toLowerCase();
    problem(field, 'must be a UUID');
    return null;
  });
  if (queueIds) {
    c.queueIds = queueIds;
    queueIds.forEach((id, i) => references.push({ field: `${at}.queueIds[${i}]`, kind: 'QUEUE', id }));
  }
  if (given(raw, 'openMinutesAtLeast')) {
    const m = raw.openMinutesAtLeast;
    if (minutesOk(m)) c.openMinutesAtLeast = m;
    else problem(`${at}.openMinutesAtLeast`, `must be 0–${LIMITS.minutes} minutes`);
  }
  if (given(raw, 'sla')) {
    if (!Array.isArray(raw.sla)) problem(`${at}.sla`, 'must be a list');
    else {
      c.sla = [];
      raw.sla.forEach((s: unknown, i: number) => {
        const field = `${at}.sla[${i}]`;
        if (!isObj(s)) return problem(field, 'must be an SLA condition');
        unknownFields(s, ['kind', 'states'], field, problem);
        const kind = oneOf(SLA_KINDS, problem)(s.kind, `${field}.kind`);
        const states = listOf<RuleSlaState>(s, 'states', field, problem, oneOf(RULE_SLA_STATES, problem));
        if (!given(s, 'states')) problem(`${field}.states`, 'name the states (OK, WARNING, BREACHED) to match');
        if (kind && c.sla?.some((other) => other.kind === kind))
          problem(`${field}.kind`, `${kind} is already conditioned in this rule; one condition per clock`);
        if (kind && states) c.sla?.push({ kind, states });
      });
    }
  }
  return c;
}

function minutesOk(m: unknown): m is number {
  return typeof m === 'number' && Number.isInteger(m) && m >= 0 && m <= LIMITS.minutes;
}

function checkLevels(raw: unknown, at: string, problem: Problem, references: RuleReference[]): EscalationLevel[] {
  if (!Array.isArray(raw) || raw.length === 0) return (problem(at, 'a rule needs at least one level'), []);
  if (raw.length > LIMITS.levels) problem(at, `at most ${LIMITS.levels} levels`);
  const levels: EscalationLevel[] = [];
  raw.slice(0, LIMITS.levels).forEach((l: unknown, i: number) => {
    const field = `${at}[${i}]`;
    if (!isObj(l)) return problem(field, 'must be a level');
    unknownFields(l, ['afterMinutes', 'actions'], field, problem);
    const afterMinutes = minutesOk(l.afterMinutes)
      ? l.afterMinutes
      : (problem(`${field}.afterMinutes`, `must be 0–${LIMITS.minutes} minutes`), 0);
    const previous = levels[levels.length - 1];
    if (previous && afterMinutes < previous.afterMinutes)
      problem(`${field}.afterMinutes`, `comes before the previous level (${previous.afterMinutes}); levels are in the order they fire`);
    levels.push({ afterMinutes, actions: checkActions(l.actions, `${field}.actions`, problem, references) });
  });
  return levels;
}

function checkActions(raw: unknown, at: string, problem: Problem, references: RuleReference[]): EscalationAction[] {
  if (!Array.isArray(raw) || raw.length === 0) return (problem(at, 'a level needs at least one action'), []);
  if (raw.length > LIMITS.actions) problem(at, `at most ${LIMITS.actions} actions`);
  const actions: EscalationAction[] = [];
  raw.slice(0, LIMITS.actions).forEach((a: unknown, i: number) => {
    const field = `${at}[${i}]`;
    if (!isObj(a)) return problem(field, 'must be an action');
    const type = oneOf(ACTION_TYPES, problem)(a.type, `${field}.type`);
    if (!type) return;
    for (const k of Object.keys(a))
      if (k !== 'type' && !ACTION_FIELDS[type].includes(k) && given(a, k))
        problem(`${field}.${k}`, isActionField(k) ? `is not used by ${type}` : 'is not a field of this object');
    const action = checkAction(type, a, field, problem, references);
    if (action) actions.push(action);
  });
  return actions;
}

const isActionField = (k: string) => Object.values(ACTION_FIELDS).some((fields) => fields.includes(k));

function uuidAt(v: unknown, field: string, problem: Problem): string | null {
  if (typeof v === 'string' && UUID.test(v)) return v.toLowerCase();
  problem(field, 'must be a UUID');
  return null;
}

function checkAction(
  type: EscalationAction['type'],
  a: Obj,
  at: string,
  problem: Problem,
  references: RuleReference[],
): EscalationAction | null {
  switch (type) {
    case 'REASSIGN': {
      const userId = uuidAt(a.userId, `${at}.userId`, problem);
      if (!userId) return null;
      references.push({ field: `${at}.userId`, kind: 'USER', id: userId });
      return { type, userId };
    }
    case 'CHANGE_QUEUE': {
      const toEscalationQueue = a.toEscalationQueue === true;
      if (given(a, 'queueId') === toEscalationQueue)
        return (problem(`${at}.queueId`, 'give either a queueId or toEscalationQueue: true'), null);
      if (toEscalationQueue) return { type, toEscalationQueue };
      const queueId = uuidAt(a.queueId, `${at}.queueId`, problem);
      if (!queueId) return null;
      references.push({ field: `${at}.queueId`, kind: 'QUEUE', id: queueId });
      return { type, queueId };
    }
    case 'RAISE_PRIORITY': {
      if (!given(a, 'priority')) return { type };
      const priority = oneOf<CasePriorityV1>(PRIORITIES, problem)(a.priority, `${at}.priority`);
      return priority ? { type, priority } : null;
    }
    case 'NOTIFY': {
      const recipients = given(a, 'recipients') ? listOf<NotifyRole>(a, 'recipients', at, problem, oneOf(NOTIFY_ROLES, problem)) : [];
      const userIds = given(a, 'userIds') ? (listOf(a, 'userIds', at, problem, (v, f) => uuidAt(v, f, problem)) ?? []) : [];
      if ((recipients ?? []).length === 0 && userIds.length === 0 && !given(a, 'recipients') && !given(a, 'userIds'))
        problem(`${at}.recipients`, 'name who is told: recipients (ASSIGNEE, QUEUE_MANAGER) and/or userIds');
      userIds.forEach((id, i) => references.push({ field: `${at}.userIds[${i}]`, kind: 'USER', id }));
      const action: EscalationAction = { type, recipients: recipients ?? [], userIds };
      if (a.email === true) action.email = true;
      return action;
    }
    case 'ADD_INTERNAL_COMMENT': {
      const body = typeof a.body === 'string' ? a.body.trim() : '';
      if (body.length < 1 || body.length > LIMITS.commentLength)
        return (problem(`${at}.body`, `must be 1–${LIMITS.commentLength} characters`), null);
      return { type, body };
    }
  }
}
