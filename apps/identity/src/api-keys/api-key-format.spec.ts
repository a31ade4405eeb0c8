import { randomUUID } from 'node:crypto';
import { newApiKeySecret, parseApiKey, secretMatches } from './api-key-format';

describe('API key format', () => {
  it('round-trips the key id and verifies the secret', () => {
    const id = randomUUID();
    const { apiKey, secretHash } = newApiKeySecret(id);
    const parsed = parseApiKey(apiKey);
    expect(parsed?.keyId).toBe(id);
    expect(secretMatches(parsed!.secret, secretHash)).toBe(true);
  });

  it('rejects a tampered secret and malformed keys', () => {
    const { apiKey, secretHash } = newApiKeySecret(randomUUID());
    const tampered = apiKey.slice(0, -1) + (apiKey.endsWith('A') ? 'B' : 'A');
    expect(secretMatches(parseApiKey(tampered)!.secret, secretHash)).toBe(false);
    expect(parseApiKey('rpk_nothex_x')).toBeNull();
    expect(parseApiKey('Bearer abc')).toBeNull();
  });
});
