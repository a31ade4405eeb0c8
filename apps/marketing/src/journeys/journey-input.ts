import { badUserInput } from '@rapport/auth';
import {
  CART_ABANDONED,
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CONTACT_CREATED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
} from '@rapport/contracts';
import { validate } from '@rapport/service-kit';
import { checkContent } from '../templates/template-content';
import { JOURNEY_PURPOSES, type JourneyPurpose, type SendChannel, type TemplateContent } from '../vocabulary/messages';

/** Events a journey can start on: the ones marketing consumes and can tie to a contact. */
export const TRIGGER_EVENTS = [
  CONTACT_CREATED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_RFM_CHANGED,
  ORDER_RECORDED,
  CASE_OPENED,
  CASE_RESOLVED,
  CASE_REOPENED,
  CART_ABANDONED,
] as const;

export type StepType = 'WAIT' | 'CONDITION' | 'SEND' | 'UPDATE_ATTRIBUTE' | 'CREATE_TASK' | 'RAISE_CASE_PRIORITY' | 'EXIT';
/** Steps that ask another service to act; only service-recovery journeys have them. */
export const RECOVERY_STEPS: readonly StepType[] = ['CREATE_TASK', 'RAISE_CASE_PRIORITY'];
export type RecoveryPriority = 'NORMAL' | 'HIGH' | 'URGENT';
const RECOVERY_PRIORITIES: readonly RecoveryPriority[] = ['NORMAL', 'HIGH', 'URGENT'];
export const EXIT = 'exit';

export interface JourneyStepInput {
  key: string;
  type: StepType;
  wait?: { seconds?: number | null; minutes?: number | null; hours?: number | null; days?: number | null } | null;
  condition?: unknown;
  ifTrue?: string | null;
  ifFalse?: string | null;
  send?: { channel: SendChannel; subject?: string | null; text: string; html?: string | null } | null;
  attribute?: { key: string; value?: unknown } | null;
  task?: { subject: string; body?: string | null; dueInHours?: number | null } | null;
  casePriority?: RecoveryPriority | null;
  next?: string | null;
}

export interface CreateJourneyInput {
  name: string;
  purpose?: JourneyPurpose | null;
  trigger: { event: string; condition?: unknown };
  steps: JourneyStepInput[];
  reentry?: 'NEVER' | 'AFTER_EXIT' | 'ALWAYS' | null;
  reentryCooldownHours?: number | null;
  status?: 'ACTIVE' | 'PAUSED' | 'ARCHIVED' | null;
}

/** A step as stored: targets resolved to keys, waits in milliseconds, content to be saved as a template. */
export interface StoredStep {
  key: string;
  type: StepType;
  waitMs?: number;
  condition?: unknown;
  ifTrue?: string;
  ifFalse?: string;
  channel?: SendChannel;
  templateId?: string;
  attribute?: { key: string; value: string | number | boolean | null };
  task?: { subject: string; body: string | null; dueInHours: number };
  casePriority?: RecoveryPriority;
  next: string;
}

export interface JourneyDraft {
  name: string;
  purpose: JourneyPurpose;
  triggerEvent: string;
  triggerCondition: unknown;
  steps: (StoredStep & { content?: TemplateContent })[];
  reentry: 'NEVER' | 'AFTER_EXIT' | 'ALWAYS';
  reentryCooldownHours: number;
  status: 'ACTIVE' | 'PAUSED' | 'ARCHIVED';
}

const MAX_WAIT_MS = 365 * 86_400_000;

/**
 * Checks a journey definition before anything is stored: every step's
 * configuration for its type, every target naming a step (or "exit"), and
 * no loop that could run without a WAIT in it. Rules are compiled by the
 * caller (they need the tenant's tier order).
 */
export function validateJourneyInput(input: CreateJourneyInput): JourneyDraft {
  const name = validate.requiredText('input.name', input.name, 200);
  const purpose = input.purpose ?? 'MARKETING';
  if (!JOURNEY_PURPOSES.includes(purpose)) throw badUserInput('input.purpose', `must be one of ${JOURNEY_PURPOSES.join(', ')}`);
  if (!(TRIGGER_EVENTS as readonly string[]).includes(input.trigger?.event)) {
    throw badUserInput(
      'input.trigger.event',
      `journeys start on one of ${TRIGGER_EVENTS.join(', ')} (got ${JSON.stringify(input.trigger?.event)})`,
    );
  }
  const stepsIn = validate.listOf('input.steps', input.steps, 50);
  if (stepsIn.length === 0) throw badUserInput('input.steps', 'a journey needs at least one step');
  const keys = stepsIn.map((s) => s.key);
  stepsIn.forEach((s, i) => {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(s.key ?? '') || s.key === EXIT)
      throw badUserInput(`input.steps[${i}].key`, 'use 1–40 letters, digits, - or _ (and not "exit")');
    if (keys.indexOf(s.key) !== i) throw badUserInput(`input.steps[${i}].key`, `step ${s.key} is defined twice`);
  });
  const following = (i: number) => keys[i + 1] ?? EXIT;
  const target = (field: string, value: string | null | undefined, fallback: string): string => {
    if (value == null) return fallback;
    if (value !== EXIT && !keys.includes(value)) throw badUserInput(field, `no step ${JSON.stringify(value)} (give a step key or "exit")`);
    return value;
  };
  const steps = stepsIn.map((s, i): StoredStep & { content?: TemplateContent } => {
    const field = `input.steps[${i}]`;
    const next = target(`${field}.next`, s.next, following(i));
    if (RECOVERY_STEPS.includes(s.type) && purpose !== 'SERVICE_RECOVERY')
      throw badUserInput(`${field}.type`, `${s.type} steps belong to SERVICE_RECOVERY journeys (this one is ${purpose})`);
    switch (s.type) {
      case 'WAIT': {
        const w = s.wait;
        if (!w) throw badUserInput(`${field}.wait`, 'a WAIT step needs wait');
        const parts = [w.seconds ?? 0, w.minutes ?? 0, w.hours ?? 0, w.days ?? 0];
        if (parts.some((p) => !Number.isInteger(p) || p < 0)) throw badUserInput(`${field}.wait`, 'whole, non-negative numbers');
        const waitMs = ((w.seconds ?? 0) + 60 * (w.minutes ?? 0) + 3600 * (w.hours ?? 0) + 86400 * (w.days ?? 0)) * 1000;
        if (waitMs < 1000 || waitMs > MAX_WAIT_MS) throw badUserInput(`${field}.wait`, 'wait at least 1 second and at most 365 days');
        return { key: s.key, type: 'WAIT', waitMs, next };
      }
      case 'CONDITION':
        if (s.condition == null) throw badUserInput(`${field}.condition`, 'a CONDITION step needs a condition (a rule)');
        return {
          key: s.key,
          type: 'CONDITION',
          condition: s.condition,
          ifTrue: target(`${field}.ifTrue`, s.ifTrue, following(i)),
          ifFalse: target(`${field}.ifFalse`, s.ifFalse, EXIT),
          next,
        };
      case 'SEND': {
        if (!s.send) throw badUserInput(`${field}.send`, 'a SEND step needs send');
        if (!['EMAIL', 'SMS', 'PUSH'].includes(s.send.channel)) throw badUserInput(`${field}.send.channel`, 'EMAIL, SMS or PUSH');
        return { key: s.key, type: 'SEND', channel: s.send.channel, content: checkContent(`${field}.send`, s.send.channel, s.send), next };
      }
      case 'UPDATE_ATTRIBUTE': {
        const a = s.attribute;
        if (!a) throw badUserInput(`${field}.attribute`, 'an UPDATE_ATTRIBUTE step needs attribute');
        if (!/^[A-Za-z0-9_]{1,64}$/.test(a.key ?? '')) throw badUserInput(`${field}.attribute.key`, 'use 1–64 letters, digits or _');
        const value = a.value ?? null;
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
          throw badUserInput(`${field}.attribute.value`, 'a string, number, boolean or null');
        }
        if (typeof value === 'string' && value.length > 1000) throw badUserInput(`${field}.attribute.value`, 'at most 1000 characters');
        return { key: s.key, type: 'UPDATE_ATTRIBUTE', attribute: { key: a.key, value: value as string | number | boolean | null }, next };
      }
      case 'CREATE_TASK': {
        const t = s.task;
        if (!t) throw badUserInput(`${field}.task`, 'a CREATE_TASK step needs task');
        const dueInHours = t.dueInHours ?? 24;
        if (!Number.isInteger(dueInHours) || dueInHours < 0 || dueInHours > 24 * 365)
          throw badUserInput(`${field}.task.dueInHours`, 'whole hours, 0–8760');
        return {
          key: s.key,
          type: 'CREATE_TASK',
          task: {
            subject: validate.requiredText(`${field}.task.subject`, t.subject, 200),
            body: validate.text(`${field}.task.body`, t.body, { max: 10_000 }) ?? null,
            dueInHours,
          },
          next,
        };
      }
      case 'RAISE_CASE_PRIORITY': {
        const priority = s.casePriority ?? 'HIGH';
        if (!RECOVERY_PRIORITIES.includes(priority))
          throw badUserInput(`${field}.casePriority`, `must be one of ${RECOVERY_PRIORITIES.join(', ')}`);
        return { key: s.key, type: 'RAISE_CASE_PRIORITY', casePriority: priority, next };
      }
      case 'EXIT':
        return { key: s.key, type: 'EXIT', next: EXIT };
      default:
        throw badUserInput(`${field}.type`, `unknown step type ${JSON.stringify(s.type)}`);
    }
  });
  refuseLoopsWithoutWait(steps);
  const cooldown = input.reentryCooldownHours ?? 0;
  if (!Number.isInteger(cooldown) || cooldown < 0 || cooldown > 24 * 3650)
    throw badUserInput('input.reentryCooldownHours', 'whole hours, 0–87600');
  return {
    name,
    purpose,
    triggerEvent: input.trigger.event,
    triggerCondition: input.trigger.condition ?? null,
    steps,
    reentry: input.reentry ?? 'NEVER',
    reentryCooldownHours: cooldown,
    status: input.status ?? 'ACTIVE',
  };
}

/** Where a step can go next. */
export function successors(step: StoredStep): string[] {
  if (step.type === 'CONDITION') return [step.ifTrue as string, step.ifFalse as string];
  if (step.type === 'EXIT') return [];
  return [step.next];
}

/** A cycle made only of instant steps would spin forever: each cycle must pass a WAIT. */
function refuseLoopsWithoutWait(steps: StoredStep[]): void {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (key: string, path: string[]): void => {
    if (key === EXIT) return;
    const step = byKey.get(key) as StoredStep;
    if (step.type === 'WAIT') return;
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      const index = steps.findIndex((s) => s.key === key);
      throw badUserInput(`input.steps[${index}]`, `steps ${[...path.slice(path.indexOf(key)), key].join(' → ')} loop without a WAIT`);
    }
    state.set(key, 'visiting');
    for (const next of successors(step)) visit(next, [...path, key]);
    state.set(key, 'done');
  };
  for (const s of steps) visit(s.key, []);
}
