/**
 * `npm run compose` regenerates apps/gateway/src/supergraph.graphql from the
 * subgraphs' SDL. It refuses a change that breaks existing clients unless
 * given --allow-breaking. `--check` only verifies the committed file is
 * current (CI runs the same check as a test).
 */
import { writeFileSync } from 'node:fs';
import { breakingChanges, committedSupergraph, composeSupergraph, SUPERGRAPH_FILE } from './supergraph';

const args = new Set(process.argv.slice(2));
const composed = composeSupergraph();
const committed = committedSupergraph();

if (args.has('--check')) {
  if (committed !== composed) {
    console.error('apps/gateway/src/supergraph.graphql is out of date: run `npm run compose` and commit it.');
    process.exit(1);
  }
  console.log('supergraph is up to date');
  process.exit(0);
}

if (committed && committed !== composed) {
  const breaking = breakingChanges(committed, composed);
  if (breaking.length > 0 && !args.has('--allow-breaking')) {
    console.error(`Refusing to write: ${breaking.length} breaking change(s) for existing clients:`);
    for (const b of breaking) console.error(`  - ${b.type}: ${b.description}`);
    console.error('Make the change additive (deprecate, then remove later), or pass --allow-breaking deliberately.');
    process.exit(1);
  }
}
writeFileSync(SUPERGRAPH_FILE, composed);
console.log(committed === composed ? 'supergraph unchanged' : `wrote ${SUPERGRAPH_FILE}`);
