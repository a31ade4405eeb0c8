import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRenderedMatrix } from './render';

describe('the written access model', () => {
  it('states exactly the matrices the code enforces (run `npm run access-model` after changing them)', () => {
    const document = readFileSync(join(__dirname, '..', '..', 'docs', 'security', 'access-model.md'), 'utf8');
    expect(document).toEqual(withRenderedMatrix(document));
  });
});
