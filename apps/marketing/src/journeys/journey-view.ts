import type { JourneyPurpose } from '../vocabulary/messages';
import type { StoredStep } from './journey-input';

export interface JourneyRow {
  id: string;
  tenant_id: string;
  name: string;
  status: 'ACTIVE' | 'PAUSED' | 'ARCHIVED';
  purpose: JourneyPurpose;
  trigger_event: string;
  trigger_rule: unknown;
  steps: StoredStep[];
  reentry: 'NEVER' | 'AFTER_EXIT' | 'ALWAYS';
  reentry_cooldown_hours: number;
  created_at: Date;
}

export const JOURNEY_COLUMNS = `j.id, j.tenant_id, j.name, j.status, j.purpose, j.trigger_event, j.trigger_rule, j.steps, j.reentry, j.reentry_cooldown_hours, j.created_at`;

export interface JourneyView {
  id: string;
  name: string;
  status: JourneyRow['status'];
  purpose: JourneyRow['purpose'];
  trigger: { event: string; condition: unknown };
  steps: StoredStep[];
  reentry: JourneyRow['reentry'];
  reentryCooldownHours: number;
  createdAt: Date;
}

export function journeyView(r: JourneyRow): JourneyView {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    purpose: r.purpose,
    trigger: { event: r.trigger_event, condition: r.trigger_rule },
    steps: r.steps,
    reentry: r.reentry,
    reentryCooldownHours: r.reentry_cooldown_hours,
    createdAt: r.created_at,
  };
}

export interface EnrollmentRow {
  id: string;
  tenant_id: string;
  journey_id: string;
  contact_id: string;
  status: 'ACTIVE' | 'PAUSED' | 'COMPLETED' | 'EXITED';
  position: number;
  visit: number;
  entered_at: Date;
  next_run_at: Date | null;
  paused_at: Date | null;
  pause_reason: string | null;
  exit_reason: string | null;
  trigger_data: Record<string, unknown>;
  finished_at: Date | null;
}

export const ENROLLMENT_COLUMNS = `e.id, e.tenant_id, e.journey_id, e.contact_id, e.status, e.position, e.visit, e.entered_at, e.next_run_at,
  e.paused_at, e.pause_reason, e.exit_reason, e.trigger_data, e.finished_at`;
