import { APPEND_ONLY_PRUNE_SETTING } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pruning past retention without giving the service a DELETE on the audit
 * log: identity runs as a role that may only read and append audit rows
 * (ADR 026), so the delete runs in this function, owned by the schema's
 * owner. It deletes only what the chain has already announced: the tenant's
 * newest entry must be the `audit.pruned` entry naming the last sequence
 * number to go, so no row disappears without a trace in the chain itself.
 */
export class IdentityAuditPruning1765420000000 implements MigrationInterface {
  name = 'IdentityAuditPruning1765420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION prune_audit_log(p_tenant uuid, p_through bigint) RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        deleted bigint;
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM audit_log l
           WHERE l.tenant_id = p_tenant AND l.action = 'audit.pruned' AND (l.details->>'throughSeq')::bigint = p_through
             AND l.seq = (SELECT max(seq) FROM audit_log WHERE tenant_id = p_tenant)
        ) THEN
          RAISE EXCEPTION 'prune_audit_log: the chain does not end with audit.pruned through %', p_through
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM set_config('${APPEND_ONLY_PRUNE_SETTING}', 'on', true);
        DELETE FROM audit_log WHERE tenant_id = p_tenant AND seq <= p_through;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        PERFORM set_config('${APPEND_ONLY_PRUNE_SETTING}', 'off', true);
        RETURN deleted;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS prune_audit_log(uuid, bigint)`);
  }
}
