import { connectNats, withoutCredentials } from './jetstream';

describe('connecting to NATS', () => {
  it('names the address it tried, without credentials', async () => {
    await expect(connectNats('nats://app:s3cret@127.0.0.1:1', 'test')).rejects.toThrow('cannot connect to NATS at nats://***@127.0.0.1:1');
  });

  it('keeps passwords out of logged URLs', () => {
    expect(withoutCredentials('nats://user:pass@nats.infra:4222')).toBe('nats://***@nats.infra:4222');
    expect(withoutCredentials('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
