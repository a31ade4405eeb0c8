import { randomUUID } from 'node:crypto';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { serviceDefinition } from '../service.definition';
import { PrivacyRequestsService } from './privacy-requests.service';

/**
 * Service alone, with a two-second deadline: its own participant answers,
 * the other four services are not running. Both kinds of request must end
 * INCOMPLETE naming exactly the missing services — never hang, never pass
 * for complete.
 */
describe('data-subject requests: the deadline names the services that did not answer', () => {
  let service: StartedService;
  let requests: PrivacyRequestsService;
  const tenantId = randomUUID();
  const admin = userPrincipal(tenantId, ['admin']);
  const contactId = randomUUID();

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, { PRIVACY_ANSWER_TIMEOUT_SECONDS: '2' });
    requests = service.app.get(PrivacyRequestsService);
    await service.app
      .get(DataSource)
      .query(`INSERT INTO customer_contacts (tenant_id, id, sales_updated_at) VALUES ($1, $2, now())`, [tenantId, contactId]);
  });

  afterAll(async () => {
    await service?.close();
  });

  async function settled(kind: 'EXPORT' | 'ERASURE', id: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = await requests.read(admin, kind, id);
      if (view && view.status !== 'PENDING') return view;
      if (Date.now() > deadline) throw new Error(`still pending: ${JSON.stringify(view)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('reports an erasure INCOMPLETE with the four missing services, and service’s own confirmation', async () => {
    const { erasure } = await requests.requestErasure(admin, { contactId });
    expect(erasure).toMatchObject({ status: 'PENDING', recordIds: [contactId] });
    const done = await settled('ERASURE', erasure!.id);
    expect(done.status).toBe('INCOMPLETE');
    expect(done.missingServices).toEqual(['sales', 'analytics', 'marketing', 'identity']);
    expect(done.answers.map((a) => a.service)).toEqual(['service']);
  });

  it('builds an export from what arrived, its manifest naming the missing services', async () => {
    const { export: requested } = await requests.requestExport(admin, { contactId });
    const done = await settled('EXPORT', requested!.id);
    expect(done.status).toBe('INCOMPLETE');
    expect(done.missingServices).toEqual(['sales', 'analytics', 'marketing', 'identity']);
    expect(done.downloadUrl).toMatch(new RegExp(`^/privacy/exports/${requested!.id}\\.json\\?expires=\\d+&signature=`));
    const [row] = await service.app
      .get(DataSource)
      .query(`SELECT convert_from(archive, 'UTF8')::jsonb AS archive FROM privacy_requests WHERE id = $1`, [requested!.id]);
    expect(row.archive.manifest.missingServices).toEqual(['sales', 'analytics', 'marketing', 'identity']);
    expect(Object.keys(row.archive.services)).toEqual(['service']);
  });
});
