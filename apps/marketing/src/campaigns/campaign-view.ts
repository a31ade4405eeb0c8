import { moneyView, type Money } from '@rapport/money';
import type { ExperimentDesign } from '../measurement/significance';
import type { Purpose, SendChannel, TemplateContent } from '../vocabulary/messages';

export type CampaignStatus = 'DRAFT' | 'SCHEDULED' | 'SENDING' | 'SENT' | 'CANCELLED';

export interface CampaignRow {
  id: string;
  tenant_id: string;
  name: string;
  segment_id: string;
  channel: SendChannel;
  purpose: Purpose;
  status: CampaignStatus;
  scheduled_at: Date | null;
  launched_at: Date | null;
  completed_at: Date | null;
  send_rate_per_minute: number | null;
  control_percent: string;
  test_percent: string;
  currency: string;
  budget: string | null;
  cost_per_message: string;
  attribution_window_days: number;
  winner_variant: string | null;
  rolled_out_at: Date | null;
  audience_count: number | null;
  excluded: Record<string, number>;
  messages_claimed: number;
  significance_level: string;
  power: string;
  minimum_detectable_effect: string;
  baseline_rate: string | null;
  winner_overridden: boolean;
  created_at: Date;
}

export interface CampaignView {
  id: string;
  name: string;
  segmentId: string;
  channel: SendChannel;
  purpose: Purpose;
  status: CampaignStatus;
  scheduledAt: Date | null;
  launchedAt: Date | null;
  completedAt: Date | null;
  sendRatePerMinute: number | null;
  controlPercent: number;
  testPercent: number;
  budget: Money | null;
  costPerMessage: Money;
  attributionWindowDays: number;
  winnerVariant: string | null;
  rolledOutAt: Date | null;
  audienceCount: number | null;
  excluded: Record<string, number>;
  experiment: ExperimentDesign;
  winnerOverridden: boolean;
  createdAt: Date;
}

export interface VariantView {
  key: string;
  splitPercent: number;
  templateId: string;
  content: TemplateContent;
}

export const CAMPAIGN_COLUMNS = `k.id, k.tenant_id, k.name, k.segment_id, k.channel, k.purpose, k.status, k.scheduled_at, k.launched_at,
  k.completed_at, k.send_rate_per_minute, k.control_percent::text, k.test_percent::text, k.currency, k.budget::text,
  k.cost_per_message::text, k.attribution_window_days, k.winner_variant, k.rolled_out_at, k.audience_count, k.excluded,
  k.messages_claimed, k.significance_level::text, k.power::text, k.minimum_detectable_effect::text, k.baseline_rate::text,
  k.winner_overridden, k.created_at`;

export function campaignView(r: CampaignRow): CampaignView {
  return {
    id: r.id,
    name: r.name,
    segmentId: r.segment_id,
    channel: r.channel,
    purpose: r.purpose,
    status: r.status,
    scheduledAt: r.scheduled_at,
    launchedAt: r.launched_at,
    completedAt: r.completed_at,
    sendRatePerMinute: r.send_rate_per_minute,
    controlPercent: Number(r.control_percent),
    testPercent: Number(r.test_percent),
    budget: r.budget === null ? null : moneyView(r.budget, r.currency),
    costPerMessage: moneyView(r.cost_per_message, r.currency),
    attributionWindowDays: r.attribution_window_days,
    winnerVariant: r.winner_variant,
    rolledOutAt: r.rolled_out_at,
    audienceCount: r.audience_count,
    excluded: r.excluded ?? {},
    experiment: {
      alpha: Number(r.significance_level),
      power: Number(r.power),
      minimumDetectableEffect: Number(r.minimum_detectable_effect),
      baselineRate: r.baseline_rate === null ? null : Number(r.baseline_rate),
    },
    winnerOverridden: r.winner_overridden,
    createdAt: r.created_at,
  };
}
