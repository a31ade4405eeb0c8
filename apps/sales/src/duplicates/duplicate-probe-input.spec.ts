import { duplicateProbeInput } from './duplicate-probe-input';

describe('duplicateProbeInput', () => {
  it.each([
    ['an account id that is not a UUID', { accountId: 'Hello world' }, 'input.accountId'],
    ['a NUL in a name', { lastName: 'Love\u0000lace' }, 'input.lastName'],
    ['an over-long account name', { accountName: 'x'.repeat(201) }, 'input.accountName'],
    ['a phone that is not one', { phones: ['call me'] }, 'input.phones[0]'],
    ['a malformed email', { emails: ['not-an-email'] }, 'input.emails[0]'],
  ])('refuses %s as BAD_USER_INPUT naming it', (_name, input, field) => {
    expect(() => duplicateProbeInput(input, null)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } }));
  });

  it('keeps a well-formed probe, trimmed and normalised', () => {
    expect(
      duplicateProbeInput(
        {
          firstName: ' Ada ',
          lastName: 'Lovelace',
          emails: ['ADA@example.test'],
          accountId: '0190F0F0-0000-7000-8000-000000000000',
          accountName: null,
        },
        null,
      ),
    ).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
      emails: ['ada@example.test'],
      phones: [],
      accountId: '0190f0f0-0000-7000-8000-000000000000',
      accountName: null,
    });
  });
});
