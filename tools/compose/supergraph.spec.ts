import { breakingChanges, committedSupergraph, composeSupergraph } from './supergraph';

describe('supergraph', () => {
  it('composes from the subgraph SDL files', () => {
    expect(() => composeSupergraph()).not.toThrow();
  });

  it('is committed exactly as composed (run `npm run compose` after changing a subgraph schema)', () => {
    expect(committedSupergraph()).toEqual(composeSupergraph());
  });

  it('detects a breaking change', () => {
    const current = composeSupergraph();
    const withoutEmails = current.replace(/\n\s+"""?Email addresses[^\n]*\n\s+emails: \[String!\]! @join__field[^\n]*/, '').replace(/\n\s+emails: \[String!\]!\n/, '\n');
    expect(withoutEmails).not.toEqual(current);
    expect(breakingChanges(current, withoutEmails).map((c) => c.description)).toContain('Contact.emails was removed.');
  });
});
