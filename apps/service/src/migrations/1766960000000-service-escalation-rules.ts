import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_ESCALATION_RULES, DEFAULT_RULE_KEYS } from '../escalation/escalation-rules';

/**
 * Escalation rules per tenant (ADR 051). Every tenant the service knows gets
 * the default rule set, which does what the fixed escalation did. Past
 * escalations become level 1 of the default rule of their clock, so a case
 * that already escalated under the fixed logic does not escalate again.
 * Notifications learn whether a rule asked for email regardless of the
 * recipient's preference.
 */
export class ServiceEscalationRules1766960000000 implements MigrationInterface {
  name = 'ServiceEscalationRules1766960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE escalation_rule_sets (
      tenant_id uuid PRIMARY KEY,
      rules jsonb NOT NULL,
      revision integer NOT NULL DEFAULT 1,
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await enableTenantRls(q, 'escalation_rule_sets');
    await q.query(
      `INSERT INTO escalation_rule_sets (tenant_id, rules)
       SELECT tenant_id, $1::jsonb FROM (
         SELECT tenant_id FROM knowledge_settings UNION SELECT tenant_id FROM support_queues
         UNION SELECT tenant_id FROM sla_policies UNION SELECT tenant_id FROM cases_all) known
       ON CONFLICT (tenant_id) DO NOTHING`,
      [JSON.stringify(DEFAULT_ESCALATION_RULES)],
    );

    await q.query(`ALTER TABLE case_escalations ADD COLUMN rule_key text, ADD COLUMN rule_name text, ADD COLUMN level integer,
      ADD COLUMN actions jsonb NOT NULL DEFAULT '[]'`);
    await q.query(
      `UPDATE case_escalations SET rule_key = CASE kind WHEN 'FIRST_RESPONSE' THEN $1 ELSE $2 END,
         rule_name = CASE kind WHEN 'FIRST_RESPONSE' THEN 'First response breached' ELSE 'Resolution breached' END, level = 1`,
      [DEFAULT_RULE_KEYS.FIRST_RESPONSE, DEFAULT_RULE_KEYS.RESOLUTION],
    );
    await q.query(`ALTER TABLE case_escalations ALTER COLUMN rule_key SET NOT NULL, ALTER COLUMN rule_name SET NOT NULL,
      ALTER COLUMN level SET NOT NULL, ALTER COLUMN kind DROP NOT NULL`);
    await q.query(`ALTER TABLE case_escalations DROP CONSTRAINT IF EXISTS case_escalations_case_id_kind_key`);
    await q.query(`ALTER TABLE case_escalations ADD CONSTRAINT case_escalations_once_per_level UNIQUE (case_id, rule_key, level)`);

    await q.query(`ALTER TABLE notifications ADD COLUMN email_requested boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP COLUMN IF EXISTS email_requested`);
    await q.query(`DELETE FROM case_escalations WHERE kind IS NULL OR level > 1`);
    await q.query(`DELETE FROM case_escalations e USING case_escalations d
      WHERE e.case_id = d.case_id AND e.kind = d.kind AND e.escalated_at > d.escalated_at`);
    await q.query(`ALTER TABLE case_escalations DROP CONSTRAINT IF EXISTS case_escalations_once_per_level`);
    await q.query(
      `ALTER TABLE case_escalations ALTER COLUMN kind SET NOT NULL, ADD CONSTRAINT case_escalations_case_id_kind_key UNIQUE (case_id, kind)`,
    );
    await q.query(`ALTER TABLE case_escalations DROP COLUMN rule_key, DROP COLUMN rule_name, DROP COLUMN level, DROP COLUMN actions`);
    await q.query(`DROP TABLE IF EXISTS escalation_rule_sets`);
  }
}
