import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * The lint that keeps the caller's mistakes out of INTERNAL_SERVER_ERROR
 * (docs/adr/023-no-internal-errors-for-bad-input.md), checked against the
 * project's own eslint.config.js for real paths: a later config block that
 * redefined no-restricted-syntax for these files would silently drop it.
 */
const ROOT = join(__dirname, '..', '..');
// Loaded here and passed in: ESLint's own loader imports the file dynamically, which Jest's CommonJS runtime refuses.
const projectConfig = createRequire(__filename)(join(ROOT, 'eslint.config.js')) as Linter.Config[];
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: projectConfig });

async function problems(path: string, code: string): Promise<string[]> {
  const config = await eslint.calculateConfigForFile(join(ROOT, path));
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as Linter.Parser },
        rules: { 'no-restricted-syntax': config.rules['no-restricted-syntax'] ?? 'off' },
      },
    ],
    join(ROOT, path),
  );
  return messages.map((m) => m.message);
}

describe('coded errors lint', () => {
  it.each([
    ['apps/sales/src/contacts/contacts.service.ts', `function f(x: string) { if (!x) throw new Error('name is required'); }`],
    ['apps/service/src/cases/cases.resolver.ts', `function f() { throw Error('bad id'); }`],
    ['apps/sales/src/leads/lead-input.ts', `function f() { throw new RangeError('amount out of range'); }`],
    ['apps/marketing/src/segments/segment-rules.ts', `function f() { throw new TypeError('not a rule'); }`],
  ])('refuses a plain Error thrown in %s', async (path, code) => {
    expect(await problems(path, code)).toEqual([expect.stringContaining('badUserInput(field, …)')]);
  });

  it.each([
    [
      'apps/sales/src/contacts/contacts.service.ts',
      `import { BadRequestException } from '@nestjs/common'; const e = new BadRequestException('x');`,
    ],
    ['apps/analytics/src/orders/order-ingest.ts', `import { HttpException } from '@nestjs/common'; const e = new HttpException('x', 400);`],
    ['libs/service-kit/src/paginate.ts', `import { NotFoundException } from '@nestjs/common'; const e = new NotFoundException();`],
  ])('refuses a Nest HTTP exception in GraphQL-serving code (%s)', async (path, code) => {
    expect(await problems(path, code)).toEqual([expect.stringContaining('Nest HTTP exception')]);
  });

  it('refuses a GraphQLError without a code anywhere in apps and libs', async () => {
    expect(await problems('apps/marketing/src/campaigns/campaign-send.ts', `const e = new GraphQLError('bad channel');`)).toEqual([
      expect.stringContaining('without extensions.code'),
    ]);
  });

  it.each([
    [
      'apps/sales/src/contacts/contacts.service.ts',
      `function f(x: string) { if (!x) throw badUserInput('lastName', 'must not be empty'); }`,
    ],
    ['apps/sales/src/opportunities/opportunities.service.ts', `function f() { throw new InvariantError('pipeline has no won stage'); }`],
    ['apps/sales/src/quotes/quote-pdf.controller.ts', `const e = new NotFoundException();`],
    ['apps/identity/src/keys/signing-key.store.ts', `function f() { throw new Error('signing keys not loaded'); }`],
    ['libs/auth/src/errors.ts', `const e = new GraphQLError('x', { extensions: { code: 'FORBIDDEN' } });`],
    ['apps/sales/src/contacts/contacts.service.spec.ts', `function f() { throw new Error('test double'); }`],
  ])('allows coded errors, invariants, HTTP controllers, infrastructure and tests (%s)', async (path, code) => {
    expect(await problems(path, code)).toEqual([]);
  });
});
