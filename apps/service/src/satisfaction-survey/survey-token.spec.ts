import { randomUUID } from 'node:crypto';
import { signSurveyLink, verifySurveyLink } from './survey-token';

describe('survey link tokens', () => {
  const link = { tenantId: randomUUID(), requestId: randomUUID() };
  const secret = 'a-link-secret-of-at-least-32-characters';

  it('round-trips and fits the gateway’s public token shape', () => {
    const token = signSurveyLink(secret, link);
    expect(token).toMatch(/^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{1,256}$/);
    expect(verifySurveyLink(secret, token)).toEqual(link);
  });

  it('refuses another secret, a changed payload, and junk', () => {
    const token = signSurveyLink(secret, link);
    expect(verifySurveyLink('another-secret-of-at-least-32-characters', token)).toBeNull();
    const [, sig] = token.split('.');
    const other = signSurveyLink(secret, { ...link, requestId: randomUUID() }).split('.')[0];
    expect(verifySurveyLink(secret, `${other}.${sig}`)).toBeNull();
    for (const junk of ['', '.', 'abc', 'a.b.c', `${token}x`]) expect(verifySurveyLink(secret, junk)).toBeNull();
  });
});
