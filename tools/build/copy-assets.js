// Copies non-TypeScript files the services read at run time (GraphQL SDL,
// the composed supergraph) next to the compiled code in dist/.
const { cpSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..', '..');
const ASSET = /\.graphql$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name)) cpSync(path, join(root, 'dist', relative(root, path)));
  }
}

for (const top of ['apps', 'libs']) walk(join(root, top));
