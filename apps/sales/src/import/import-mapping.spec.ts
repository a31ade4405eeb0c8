import { compileMapping, mapRow } from './import-mapping';

describe('import mapping', () => {
  const header = ['First', 'Last', 'Mail', 'Mail 2', 'Tags'];
  const mapping = compileMapping('CONTACT', header, [
    { column: 'Last', field: 'lastName' },
    { column: 'First', field: 'firstName' },
    { column: 'Mail', field: 'email' },
    { column: 'Mail 2', field: 'email' },
    { column: 'Tags', field: 'tags' },
  ]);

  it('maps columns to fields, appending multi-valued ones and dropping blanks', () => {
    expect(mapRow(mapping, header.length, [' Ada ', 'Lovelace', 'a@x.test', '', 'vip; b2b,,x'])).toEqual({
      values: { firstName: 'Ada', lastName: 'Lovelace' },
      lists: { email: ['a@x.test'], tags: ['vip', 'b2b', 'x'] },
    });
  });

  it('reports a row of the wrong width', () => {
    expect(() => mapRow(mapping, header.length, ['Ada'])).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'row' }) }),
    );
  });

  it.each([
    [[{ column: 'Last', field: 'surname' }], 'mapping[0].field'],
    [[{ column: 'Nope', field: 'lastName' }], 'mapping[0].column'],
    [[{ column: 'First', field: 'firstName' }], 'mapping'],
    [
      [
        { column: 'Last', field: 'lastName' },
        { column: 'First', field: 'lastName' },
      ],
      'mapping[1].field',
    ],
    [
      [
        { column: 'Last', field: 'lastName' },
        { column: 'Last', field: 'firstName' },
      ],
      'mapping[1].column',
    ],
    [[], 'mapping'],
  ])('refuses %j naming %s', (m, field) => {
    expect(() => compileMapping('CONTACT', header, m)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field }) }));
  });

  it('requires name for accounts and allows only account fields', () => {
    expect(() => compileMapping('ACCOUNT', ['N'], [{ column: 'N', field: 'lastName' }])).toThrow(/not a ACCOUNT field/);
    expect(compileMapping('ACCOUNT', ['N'], [{ column: 'N', field: 'name' }]).columns).toEqual([[0, 'name']]);
  });
});
