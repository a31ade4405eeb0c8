import { CLIENT_IP_HEADER, GATEWAY_SIGNATURE_HEADER, signForwardedCaller, verifyForwardedCaller } from './forwarded-caller';

const SECRET = 'gateway-secret-for-tests-0123456789';
const NOW = Date.UTC(2026, 11, 6, 8, 0, 0);

function headersOf(signed: Record<string, string>) {
  return { ip: signed[CLIENT_IP_HEADER], signature: signed[GATEWAY_SIGNATURE_HEADER] };
}

describe('forwarded caller signature', () => {
  it('accepts what the gateway signed, and gives its address', () => {
    expect(verifyForwardedCaller(SECRET, headersOf(signForwardedCaller(SECRET, '203.0.113.7', NOW)), NOW + 5_000)).toEqual({
      ip: '203.0.113.7',
    });
  });

  it('refuses another address under the same signature (a caller cannot borrow an IP)', () => {
    const signed = headersOf(signForwardedCaller(SECRET, '203.0.113.7', NOW));
    expect(verifyForwardedCaller(SECRET, { ...signed, ip: '198.51.100.1' }, NOW)).toBeNull();
  });

  it('refuses a signature made with another secret, a stale or future one, and junk', () => {
    const other = headersOf(signForwardedCaller('another-secret-of-some-length-000', '203.0.113.7', NOW));
    expect(verifyForwardedCaller(SECRET, other, NOW)).toBeNull();
    const signed = headersOf(signForwardedCaller(SECRET, '203.0.113.7', NOW));
    expect(verifyForwardedCaller(SECRET, signed, NOW + 61_000)).toBeNull();
    expect(verifyForwardedCaller(SECRET, signed, NOW - 61_000)).toBeNull();
    expect(verifyForwardedCaller(SECRET, { ip: '203.0.113.7', signature: 'v1.1.abc' }, NOW)).toBeNull();
    expect(verifyForwardedCaller(SECRET, { ip: '203.0.113.7', signature: undefined }, NOW)).toBeNull();
  });

  it('trusts nothing when no secret is configured', () => {
    expect(verifyForwardedCaller('', headersOf(signForwardedCaller('', '203.0.113.7', NOW)), NOW)).toBeNull();
  });
});
