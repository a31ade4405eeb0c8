/**
 * `npm run compose` regenerates apps/gateway/src/supergraph.graphql from the
 * subgraphs' SDL, and the SDK's generated types and documents from it
 * (libs/sdk/src/generated/graphql.ts). It refuses a change that breaks
 * existing clients unless given --allow-breaking. `--check` only verifies
 * both committed files are current (CI runs the same checks as tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateSdk, SDK_GENERATED_FILE } from '../sdk/generate-sdk';
import { breakingChanges, committedSupergraph, composeSupergraph, SUPERGRAPH_FILE } from './supergraph';

async function main(): Promise<number> {
  const args = new Set(process.argv.slice(2));
  const composed = composeSupergraph();
  const committed = committedSupergraph();
  const sdk = await generateSdk(composed);
  const committedSdk = readFileSync(SDK_GENERATED_FILE, { encoding: 'utf8', flag: 'a+' });

  if (args.has('--check')) {
    let stale = false;
    if (committed !== composed) {
      console.error('apps/gateway/src/supergraph.graphql is out of date: run `npm run compose` and commit it.');
      stale = true;
    }
    if (committedSdk !== sdk) {
      console.error('libs/sdk/src/generated/graphql.ts is out of date: run `npm run compose` and commit it.');
      stale = true;
    }
    if (!stale) console.log('supergraph and SDK are up to date');
    return stale ? 1 : 0;
  }

  if (committed && committed !== composed) {
    const breaking = breakingChanges(committed, composed);
    if (breaking.length > 0 && !args.has('--allow-breaking')) {
      console.error(`Refusing to write: ${breaking.length} breaking change(s) for existing clients:`);
      for (const b of breaking) console.error(`  - ${b.type}: ${b.description}`);
      console.error('Make the change additive (deprecate, then remove later), or pass --allow-breaking deliberately.');
      return 1;
    }
  }
  writeFileSync(SUPERGRAPH_FILE, composed);
  console.log(committed === composed ? 'supergraph unchanged' : `wrote ${SUPERGRAPH_FILE}`);
  writeFileSync(SDK_GENERATED_FILE, sdk);
  console.log(committedSdk === sdk ? 'SDK unchanged' : `wrote ${SDK_GENERATED_FILE}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
