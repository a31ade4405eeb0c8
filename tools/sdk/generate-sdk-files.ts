import { join } from 'node:path';

/** Where the SDK's operations are read and its generated module written (apart from the generator, which loads codegen). */
const ROOT = join(__dirname, '..', '..');
export const SDK_OPERATIONS_DIR = join(ROOT, 'libs/sdk/src/operations');
export const SDK_GENERATED_FILE = join(ROOT, 'libs/sdk/src/generated/graphql.ts');
