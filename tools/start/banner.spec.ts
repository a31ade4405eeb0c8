import { execFileSync } from 'node:child_process';
import { banner, BANNER_TITLE, loginCurl, loginMutation, shellQuote } from './banner';

describe('banner', () => {
  const input = {
    graphqlUrl: 'http://localhost:4000/graphql',
    tenant: 'demo',
    email: 'admin@demo.test',
    password: 'rapport-demo',
    services: [
      { name: 'identity', url: 'http://127.0.0.1:4001' },
      { name: 'gateway', url: 'http://127.0.0.1:4000' },
    ],
    color: false,
  };

  it('gives the GraphQL URL, the demo login and a login command', () => {
    const text = banner(input);
    expect(text).toContain(BANNER_TITLE);
    expect(text).toContain('http://localhost:4000/graphql');
    expect(text).toContain('tenant demo  ·  admin@demo.test  ·  rapport-demo');
    expect(text).toContain(loginCurl(input.graphqlUrl, 'demo', 'admin@demo.test', 'rapport-demo'));
    expect(text).toContain('identity  http://127.0.0.1:4001');
    expect(text).toContain('Ctrl-C');
  });

  it('lists the local endpoints for development, such as the support address', () => {
    const text = banner({
      ...input,
      devEndpoints: [{ label: 'Support email', value: 'demo@support.rapport.localhost at smtp://127.0.0.1:2525' }],
    });
    expect(text).toMatch(/Support email +demo@support\.rapport\.localhost at smtp:\/\/127\.0\.0\.1:2525/);
  });

  it('builds the documented login mutation', () => {
    expect(loginMutation('demo', 'admin@demo.test', 'rapport-demo')).toBe(
      'mutation { login(input: { tenant: "demo", email: "admin@demo.test", password: "rapport-demo" }) { accessToken refreshToken } }',
    );
  });

  it('produces a curl command a POSIX shell passes through unchanged, whatever the password', () => {
    const password = `it's "quoted" \\ $HOME`;
    const command = loginCurl('http://localhost:4000/graphql', 'demo', 'admin@demo.test', password);
    const body = command.slice(command.indexOf(' -d ') + 4);
    const echoed = execFileSync('/bin/sh', ['-c', `printf %s ${body}`], { encoding: 'utf8' });
    const parsed = JSON.parse(echoed) as { query: string };
    expect(parsed.query).toBe(loginMutation('demo', 'admin@demo.test', password));
    expect(parsed.query).toContain(`password: ${JSON.stringify(password)}`);
  });

  it('single-quotes for the shell', () => {
    expect(shellQuote(`a'b`)).toBe(`'a'\\''b'`);
  });
});
