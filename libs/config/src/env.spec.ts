import { ConfigError, env, loadEnv } from './env';

describe('loadEnv', () => {
  const spec = {
    PORT: env.int({ default: 4000, min: 1, max: 65535, description: 'port' }),
    DATABASE_URL: env.url({ protocols: ['postgres'], description: 'db' }),
    MODE: env.oneOf(['a', 'b'] as const, { default: 'a', description: 'mode' }),
  };

  it('applies defaults and parses values', () => {
    expect(loadEnv(spec, { DATABASE_URL: 'postgres://x/y', PORT: '8080' })).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgres://x/y',
      MODE: 'a',
    });
  });

  it('names every bad or missing variable in one error', () => {
    let error: unknown;
    try {
      loadEnv(spec, { PORT: 'eighty', MODE: 'c' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PORT="eighty" is invalid: expected an integer/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL is required/);
    expect(problems.join('\n')).toMatch(/MODE="c" is invalid: expected one of a, b/);
  });

  it('never echoes the value of a secret field', () => {
    const secretSpec = { SMTP_URL: { ...env.url({ protocols: ['smtp'], description: 'smtp' }), secret: true } };
    expect(() => loadEnv(secretSpec, { SMTP_URL: 'http://user:hunter2@mail' })).toThrow(
      /^Invalid configuration:\n {2}- SMTP_URL is invalid: protocol must be one of smtp$/,
    );
  });

  it('rejects a URL with the wrong protocol', () => {
    expect(() => loadEnv(spec, { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL.*protocol must be one of postgres/);
  });
});
