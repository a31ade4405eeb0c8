/**
 * Prints the SDK module generated from the supergraph read on stdin. Tests
 * run it as a child process: graphql-codegen loads ES modules (auto-bind)
 * that Node 20 requires natively but Jest's module loader cannot.
 */
import { readFileSync } from 'node:fs';
import { generateSdk } from './generate-sdk';

generateSdk(readFileSync(0, 'utf8')).then(
  (code) => process.stdout.write(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  },
);
