import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph, ROOT } from '../compose/supergraph';
import { SDK_GENERATED_FILE } from './generate-sdk-files';

// Generating runs graphql-codegen and prettier in a child process: seconds on a loaded machine.
jest.setTimeout(180_000);

/** The SDK module generated from this supergraph (in Node itself: codegen's ES modules do not load under Jest). */
function generated(supergraph: string): string {
  const run = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'print-sdk.ts')], {
    cwd: ROOT,
    input: supergraph,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`print-sdk failed: ${run.stderr}`);
  return run.stdout;
}

describe('@rapport/sdk generated code', () => {
  it('is committed exactly as generated from the composed supergraph (run `npm run compose` after changing a schema or an operation)', () => {
    expect(readFileSync(SDK_GENERATED_FILE, 'utf8')).toEqual(generated(composeSupergraph()));
  });

  it('notices a schema change the SDK’s operations see (a changed description of an input field they use), and a field they select going away', () => {
    const supergraph = composeSupergraph();
    const changed = generated(supergraph.replace('Product code (1–100 characters).', 'The product code.'));
    expect(changed).not.toEqual(readFileSync(SDK_GENERATED_FILE, 'utf8'));
    expect(changed).toContain('The product code.');
    expect(() => generated(supergraph.replace(/\n {2}"""Events recorded now\."""\n {2}recorded: Int!\n/, '\n'))).toThrow(/recorded/);
  });
});
