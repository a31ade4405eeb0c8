import type { EntityManager } from 'typeorm';
import type { SendChannel } from '../vocabulary/messages';

/** The address bounced for good: nothing goes to it again (an address already listed keeps its reason). */
export async function suppressBouncedAddress(
  em: EntityManager,
  tenantId: string,
  channel: SendChannel,
  address: string,
  detail: string,
): Promise<void> {
  await em.query(
    `INSERT INTO suppressions (tenant_id, channel, address, reason, detail) VALUES ($1, $2, $3, 'HARD_BOUNCE', $4)
     ON CONFLICT (tenant_id, channel, address) DO NOTHING`,
    [tenantId, channel, address, detail],
  );
}
