import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevProvider, type DevProvider } from '@rapport/channels';
import {
  CAMPAIGN,
  CREATE_CAMPAIGN,
  CREATE_SEGMENT,
  LAUNCH,
  contactSnapshot,
  eventually,
  optIn,
  seedContacts,
  startMarketingRig,
  type MarketingRig,
} from '../harness/marketing-fixtures';

jest.setTimeout(180_000);

/**
 * What `npm start` gives a new user for SMS and push: marketing configured
 * with the local dev provider (as tools/start/main.ts does when no provider
 * is set), an SMS and a push campaign launched through the gateway, each
 * message a JSON file under <dir>/sms or <dir>/push, the campaigns SENT.
 */
describe('SMS and push campaigns end to end on the dev provider', () => {
  let rig: MarketingRig;
  let provider: DevProvider;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-dev-provider-'));
    provider = await startDevProvider({ dir });
    rig = await startMarketingRig('dev-providers', {
      MARKETING_SMS_PROVIDER_URL: provider.smsUrl,
      MARKETING_PUSH_PROVIDER_URL: provider.pushUrl,
      MARKETING_PROVIDER_API_KEY: 'dev',
    });
  });

  afterAll(async () => {
    await rig?.stop();
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const saved = async (channel: 'sms' | 'push') => {
    const files = (await readdir(join(dir, channel))).filter((f) => f.endsWith('.json'));
    return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, channel, f), 'utf8')) as Record<string, unknown>));
  };

  async function campaign(name: string, channel: 'SMS' | 'PUSH', variant: Record<string, unknown>) {
    const segment = (await rig.call(CREATE_SEGMENT, { input: { name, rule: { field: 'lastName', op: 'eq', value: name } } })).createSegment
      .segment;
    const created = (
      await rig.call(CREATE_CAMPAIGN, {
        input: { name, segmentId: segment.id, channel, variants: [{ key: 'A', splitPercent: 100, ...variant }] },
      })
    ).createCampaign.campaign;
    await rig.call(LAUNCH, { id: created.id });
    return eventually(
      async () => (await rig.call(CAMPAIGN, { id: created.id })).campaign,
      (c) => c.status === 'SENT',
    );
  }

  it('an SMS campaign lands in <dir>/sms', async () => {
    const c = contactSnapshot({ firstName: 'Sam', lastName: 'DevSms', phones: ['+4915100000002'] });
    await seedContacts(rig.platform, rig.nc, rig.tenant.id, [c]);
    await optIn(rig.call, [c.id], 'SMS');
    const sent = await campaign('DevSms', 'SMS', { text: 'Hi {{firstName}}, 10 % off today' });
    expect(sent.audience.byStatus).toEqual(expect.arrayContaining([expect.objectContaining({ count: 1 })]));
    const [sms] = await eventually(
      () => saved('sms'),
      (m) => m.length === 1,
    );
    expect(sms).toMatchObject({ channel: 'SMS', to: '+4915100000002', text: 'Hi Sam, 10 % off today' });
  });

  it('a push campaign lands in <dir>/push', async () => {
    const c = contactSnapshot({ lastName: 'DevPush' });
    await seedContacts(rig.platform, rig.nc, rig.tenant.id, [c]);
    await rig.call(`mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) }`, {
      input: { contactId: c.id, token: 'dev-device-token-1', platform: 'android' },
    });
    await optIn(rig.call, [c.id], 'PUSH');
    await campaign('DevPush', 'PUSH', { subject: 'Sale', text: 'Now on' });
    const [push] = await eventually(
      () => saved('push'),
      (m) => m.length === 1,
    );
    expect(push).toMatchObject({ channel: 'PUSH', to: 'dev-device-token-1', title: 'Sale', text: 'Now on' });
  });
});
