import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const run = (script: string, args: string[]) =>
  execFileSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, script), ...args], { encoding: 'utf8', timeout: 30_000 });

describe('import CLIs', () => {
  it.each([
    ['import-csv.ts', ['--help'], 'Usage: import-csv <file.csv>'],
    ['import-csv.ts', ['contacts.csv', '-h'], '--external-id-source'],
    ['import-orders.ts', ['--help'], 'Usage: import-orders <file.csv>'],
  ])('%s %j prints its usage and exits 0', (script, args, expected) => {
    expect(run(script, args)).toContain(expected);
  });
});
