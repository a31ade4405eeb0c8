import { isPrivateAddress, validEndpointUrl } from './webhook-target';

const codeOf = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    return (err as { extensions?: { code?: string; field?: string } }).extensions?.field ?? 'other';
  }
};

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ])('treats %s as private', (a) => expect(isPrivateAddress(a)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])('treats %s as public', (a) =>
    expect(isPrivateAddress(a)).toBe(false),
  );

  it('accepts https and refuses http, credentials and private literals unless private targets are allowed', () => {
    expect(validEndpointUrl('https://hooks.example.com/rapport', false)).toBe('https://hooks.example.com/rapport');
    expect(codeOf(() => validEndpointUrl('http://hooks.example.com/', false))).toBe('url');
    expect(codeOf(() => validEndpointUrl('https://u:p@hooks.example.com/', false))).toBe('url');
    expect(codeOf(() => validEndpointUrl('https://127.0.0.1/', false))).toBe('url');
    expect(codeOf(() => validEndpointUrl('https://[::1]/', false))).toBe('url');
    expect(codeOf(() => validEndpointUrl('https://localhost/', false))).toBe('url');
    expect(codeOf(() => validEndpointUrl('not a url', false))).toBe('url');
    expect(validEndpointUrl('http://127.0.0.1:8080/hook', true)).toBe('http://127.0.0.1:8080/hook');
    expect(codeOf(() => validEndpointUrl('ftp://127.0.0.1/', true))).toBe('url');
  });
});
