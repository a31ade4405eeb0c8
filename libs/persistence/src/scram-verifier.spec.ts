import { scramSha256Verifier } from './scram-verifier';

describe('scramSha256Verifier', () => {
  it('is what Postgres 15 itself stores for the password, given the same salt', () => {
    // From ALTER ROLE … PASSWORD 'correct horse ''battery'' staple' with password_encryption = scram-sha-256.
    const postgres =
      'SCRAM-SHA-256$4096:GWVBG0w6mUTdmYQiK7ShDw==$aJEUWs/K5N0ned03Ph8mYsQxkuI/Ug1pOkexdcL+qoo=:LgQr55PXZW9zqhB00rdaFmhnmpCORJLLCJzIO7KUgBI=';
    const salt = Buffer.from('GWVBG0w6mUTdmYQiK7ShDw==', 'base64');
    expect(scramSha256Verifier("correct horse 'battery' staple", salt)).toBe(postgres);
  });

  it('salts each verifier afresh', () => {
    expect(scramSha256Verifier('same')).not.toBe(scramSha256Verifier('same'));
  });
});
