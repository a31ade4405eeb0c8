import { badUserInput } from '@rapport/auth';
import { compare, MoneyError, parseMoney, type Money } from '@rapport/money';
import { validate } from '@rapport/service-kit';
import type { ExperimentDesign } from '../measurement/significance';
import { checkContent } from '../templates/template-content';
import { SEND_CHANNELS, type Purpose, type SendChannel, type TemplateContent } from '../vocabulary/messages';

export interface VariantInput {
  key: string;
  splitPercent: number;
  subject?: string | null;
  text: string;
  html?: string | null;
}

export interface CreateCampaignInput {
  name: string;
  segmentId: string;
  channel: SendChannel;
  purpose?: Purpose | null;
  variants: VariantInput[];
  controlPercent?: number | null;
  testPercent?: number | null;
  scheduledAt?: Date | null;
  sendRatePerMinute?: number | null;
  budget?: { amount: string; currency: string } | null;
  costPerMessage?: { amount: string; currency: string } | null;
  attributionWindowDays?: number | null;
  experiment?: ExperimentDesignInput | null;
}

export interface ExperimentDesignInput {
  significanceLevel?: number | null;
  power?: number | null;
  minimumDetectableEffect?: number | null;
  baselineRate?: number | null;
}

export interface CampaignDraft {
  name: string;
  segmentId: string;
  channel: SendChannel;
  purpose: Purpose;
  /** Variants with their splits in basis points (hundredths of a percent), adding up to 10,000. */
  variants: { key: string; splitBp: number; content: TemplateContent }[];
  controlBp: number;
  testBp: number;
  scheduledAt: Date | null;
  sendRatePerMinute: number | null;
  budget: Money | null;
  costPerMessage: Money;
  attributionWindowDays: number;
  experiment: ExperimentDesign;
}

/** Percent with at most two decimals → basis points; anything finer is refused rather than rounded. */
export function basisPoints(field: string, percent: number, range: { min: number; max: number; minInclusive: boolean }): number {
  const bp = Math.round(percent * 100);
  if (!Number.isFinite(percent) || Math.abs(bp - percent * 100) > 1e-6) throw badUserInput(field, 'a percentage with at most two decimals');
  const low = range.minInclusive ? bp >= range.min * 100 : bp > range.min * 100;
  if (!low || bp > range.max * 100) {
    throw badUserInput(field, `must be ${range.minInclusive ? '≥' : '>'} ${range.min} and ≤ ${range.max} (got ${percent})`);
  }
  return bp;
}

function money(field: string, value: { amount: string; currency: string }): Money {
  try {
    return parseMoney(value.amount, value.currency);
  } catch (err) {
    if (err instanceof MoneyError) throw badUserInput(field, err.message);
    throw err;
  }
}

/** Checks a createCampaign input in full before anything is written; every problem names its field. */
export function validateCampaignInput(input: CreateCampaignInput, now = new Date()): CampaignDraft {
  const name = validate.requiredText('input.name', input.name, 200);
  const segmentId = validate.requireUuid('input.segmentId', input.segmentId);
  const channel = input.channel;
  if (!SEND_CHANNELS.includes(channel)) throw badUserInput('input.channel', `unknown channel ${JSON.stringify(channel)}`);
  const purpose = input.purpose ?? 'MARKETING';
  const variantsIn = validate.listOf('input.variants', input.variants, 10);
  if (variantsIn.length === 0) throw badUserInput('input.variants', 'give at least one variant');
  const keys = new Set<string>();
  const variants = variantsIn.map((v, i) => {
    const field = `input.variants[${i}]`;
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(v.key)) throw badUserInput(`${field}.key`, 'use 1–20 letters, digits, - or _');
    if (keys.has(v.key)) throw badUserInput(`${field}.key`, `variant ${v.key} is given twice`);
    keys.add(v.key);
    const splitBp = basisPoints(`${field}.splitPercent`, v.splitPercent, { min: 0, max: 100, minInclusive: false });
    return { key: v.key, splitBp, content: checkContent(field, channel, v) };
  });
  const total = variants.reduce((s, v) => s + v.splitBp, 0);
  if (total !== 10_000)
    throw badUserInput('input.variants', `the variants' splitPercent must add up to 100 (they add up to ${total / 100})`);
  const controlBp = basisPoints('input.controlPercent', input.controlPercent ?? 0, { min: 0, max: 99.99, minInclusive: true });
  const testBp = basisPoints('input.testPercent', input.testPercent ?? 100, { min: 0, max: 100, minInclusive: false });
  const scheduledAt = input.scheduledAt ?? null;
  if (scheduledAt && scheduledAt.getTime() < now.getTime() - 60_000) throw badUserInput('input.scheduledAt', 'is in the past');
  const rate = input.sendRatePerMinute ?? null;
  if (rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > 6_000_000)) {
    throw badUserInput('input.sendRatePerMinute', 'must be a whole number from 1 to 6,000,000');
  }
  const budget = input.budget ? money('input.budget', input.budget) : null;
  if (budget && budget.amount.startsWith('-')) throw badUserInput('input.budget', 'must not be negative');
  const costPerMessage = input.costPerMessage
    ? money('input.costPerMessage', input.costPerMessage)
    : { amount: '0', currency: budget?.currency ?? 'EUR' };
  if (costPerMessage.amount.startsWith('-')) throw badUserInput('input.costPerMessage', 'must not be negative');
  if (budget && budget.currency !== costPerMessage.currency) {
    throw badUserInput('input.costPerMessage', `must be in the budget's currency ${budget.currency}`);
  }
  if (budget && compare(costPerMessage, budget) > 0) throw badUserInput('input.budget', 'does not cover a single message');
  const window = input.attributionWindowDays ?? 7;
  if (!Number.isInteger(window) || window < 1 || window > 365) throw badUserInput('input.attributionWindowDays', 'must be 1–365 days');
  return {
    name,
    segmentId,
    channel,
    purpose,
    variants,
    controlBp,
    testBp,
    scheduledAt,
    sendRatePerMinute: rate,
    budget,
    costPerMessage,
    attributionWindowDays: window,
    experiment: validateExperiment(input.experiment ?? {}),
  };
}

/** A fraction strictly inside (min, max) — or up to max when maxInclusive. */
function fraction(field: string, value: number, min: number, max: number, maxInclusive = false): number {
  const ok = Number.isFinite(value) && value > min && (maxInclusive ? value <= max : value < max);
  if (!ok) throw badUserInput(field, `must be > ${min} and ${maxInclusive ? '≤' : '<'} ${max} (got ${value})`);
  return value;
}

/** The test's plan: α (default 0.05), power (0.8), the difference worth detecting (0.02) and, optionally, the expected control rate. */
export function validateExperiment(input: ExperimentDesignInput): ExperimentDesign {
  const field = 'input.experiment';
  const alpha = fraction(`${field}.significanceLevel`, input.significanceLevel ?? 0.05, 0, 0.2, true);
  const power = input.power ?? 0.8;
  if (!Number.isFinite(power) || power < 0.5 || power >= 1) throw badUserInput(`${field}.power`, `must be ≥ 0.5 and < 1 (got ${power})`);
  const effect = fraction(`${field}.minimumDetectableEffect`, input.minimumDetectableEffect ?? 0.02, 0, 1);
  const baseline = input.baselineRate ?? null;
  if (baseline !== null && (!Number.isFinite(baseline) || baseline < 0 || baseline >= 1))
    throw badUserInput(`${field}.baselineRate`, `must be ≥ 0 and < 1 (got ${baseline})`);
  // Stored as numeric(6,5): a finer value would be silently rounded.
  for (const [key, v] of Object.entries({ significanceLevel: alpha, power, minimumDetectableEffect: effect, baselineRate: baseline })) {
    if (v !== null && Math.abs(Math.round(v * 1e5) - v * 1e5) > 1e-6) throw badUserInput(`${field}.${key}`, 'at most five decimals');
  }
  return { alpha, power, minimumDetectableEffect: effect, baselineRate: baseline };
}
