import {
  changedFields,
  changedSinceMerge,
  mergeRecordOf,
  movedContactIds,
  parseMergeInput,
  parseUnmergeChoices,
  survivorAfterUnmerge,
  survivorValues,
} from './merge-plan';

const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190a000-0000-7000-8000-00000000000b';
const C = '0190a000-0000-7000-8000-00000000000c';
const OWNER_A = '0190a000-0000-7000-8000-0000000000a1';
const OWNER_B = '0190a000-0000-7000-8000-0000000000b1';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { extensions?: { field?: unknown } }).extensions?.field;
  }
  throw new Error('expected an error');
}

describe('parseMergeInput', () => {
  it('maps field choices to columns', () => {
    expect(parseMergeInput('CONTACT', { survivorId: A, mergedIds: [B], fieldChoices: [{ field: 'firstName', fromId: B }] })).toEqual({
      survivorId: A,
      mergedIds: [B],
      choices: [{ column: 'first_name', field: 'firstName', fromId: B }],
    });
  });

  it.each([
    ['no merged record', { survivorId: A, mergedIds: [] }, 'mergedIds'],
    ['a record twice', { survivorId: A, mergedIds: [B, B] }, 'mergedIds'],
    ['the survivor into itself', { survivorId: A, mergedIds: [A] }, 'mergedIds'],
    [
      'a list field as a choice',
      { survivorId: A, mergedIds: [B], fieldChoices: [{ field: 'emails', fromId: B }] },
      'fieldChoices[0].field',
    ],
    [
      'a choice from another record',
      { survivorId: A, mergedIds: [B], fieldChoices: [{ field: 'firstName', fromId: C }] },
      'fieldChoices[0].fromId',
    ],
  ])('refuses %s, naming the field', (_what, input, field) => {
    expect(fieldOf(() => parseMergeInput('CONTACT', input))).toBe(field);
  });
});

describe('survivorValues', () => {
  const survivor = { id: A, first_name: 'Ann', emails: ['a@x.test'], phones: [], tags: ['vip'], addresses: [], owner_id: OWNER_A };
  const merged = { id: B, first_name: 'Anne', emails: ['b@x.test', 'a@x.test'], phones: ['+1'], tags: ['vip', 'new'], addresses: [] };

  it('unions lists in survivor-first order without duplicates and takes chosen fields', () => {
    expect(survivorValues('CONTACT', [survivor, merged], [{ column: 'first_name', field: 'firstName', fromId: B }])).toEqual({
      first_name: 'Anne',
      emails: ['a@x.test', 'b@x.test'],
      phones: ['+1'],
      tags: ['vip', 'new'],
      addresses: [],
    });
  });

  it("keeps an account's own owner unless another is chosen", () => {
    const accounts = [
      { id: A, owner_id: OWNER_A, tags: [], addresses: [] },
      { id: B, owner_id: OWNER_B, tags: [], addresses: [] },
    ];
    expect(survivorValues('ACCOUNT', accounts, []).owner_id).toBe(OWNER_A);
    expect(survivorValues('ACCOUNT', accounts, [{ column: 'owner_id', field: 'ownerId', fromId: B }]).owner_id).toBe(OWNER_B);
  });

  it('refuses a union longer than its maximum', () => {
    const many = (prefix: string) => Array.from({ length: 6 }, (_, i) => `${prefix}${i}@x.test`);
    expect(
      fieldOf(() =>
        survivorValues(
          'CONTACT',
          [
            { ...survivor, emails: many('a') },
            { ...merged, emails: many('b') },
          ],
          [],
        ),
      ),
    ).toBe('emails');
  });
});

describe('changedSinceMerge', () => {
  const after = [
    { id: A, first_name: 'Anne' },
    { id: B, first_name: 'Bob' },
  ];

  it('is empty while every record matches its after-image', () => {
    expect(changedSinceMerge('Contact', after, after)).toEqual([]);
  });

  it('names records edited or gone since, with the columns (updated_at alone is no change)', () => {
    expect(
      changedSinceMerge('Contact', after, [{ id: A, first_name: 'Anne', updated_at: 'later' } as never, { id: B, first_name: 'Bob' }]),
    ).toEqual([]);
    expect(changedSinceMerge('Contact', after, [{ id: A, first_name: 'Annie' }, undefined])).toEqual([
      `contact ${A} changed since the merge (first_name)`,
      `contact ${B} no longer exists`,
    ]);
  });
});

describe('survivorAfterUnmerge', () => {
  const before = { id: A, tenant_id: 't', first_name: 'Ada', last_name: 'L', tags: ['a'], emails: ['a@x'], updated_at: '1' };
  const after = { ...before, first_name: 'Augusta', tags: ['a', 'b'], emails: ['a@x', 'b@x'], updated_at: '2' };

  it('restores what nobody touched since, and gives back list entries the merge brought', () => {
    expect(survivorAfterUnmerge('CONTACT', { before, after, current: { ...after, updated_at: '3' } }, new Map())).toEqual({
      set: { first_name: 'Ada', tags: ['a'], emails: ['a@x'] },
      conflicts: [],
    });
  });

  it('keeps later edits: fields the merge left alone, values changed back, entries added to a list', () => {
    const current = { ...after, last_name: 'M', first_name: 'Ada', tags: ['c', 'b', 'a'], emails: ['b@x'] };
    expect(survivorAfterUnmerge('CONTACT', { before, after, current }, new Map())).toEqual({
      set: { tags: ['c', 'a'], emails: [] },
      conflicts: [],
    });
  });

  it('names a field the merge and a later edit both changed, until the caller chooses', () => {
    const current = { ...after, first_name: 'Countess' };
    expect(survivorAfterUnmerge('CONTACT', { before, after, current }, new Map()).conflicts).toEqual([
      { field: 'firstName', current: 'Countess', beforeMerge: 'Ada', merged: 'Augusta' },
    ]);
    expect(survivorAfterUnmerge('CONTACT', { before, after, current }, new Map([['first_name', 'CURRENT']])).set).not.toHaveProperty(
      'first_name',
    );
    expect(survivorAfterUnmerge('CONTACT', { before, after, current }, new Map([['first_name', 'BEFORE_MERGE']])).set).toMatchObject({
      first_name: 'Ada',
    });
  });

  it('compares JSON values whatever their key order', () => {
    const addr = { kind: 'OTHER', city: 'X' };
    const b = { id: A, addresses: [addr] };
    expect(
      survivorAfterUnmerge('CONTACT', { before: b, after: b, current: { id: A, addresses: [{ city: 'X', kind: 'OTHER' }] } }, new Map())
        .set,
    ).toEqual({});
  });

  it('takes choices by field name and refuses unknown fields', () => {
    expect(parseUnmergeChoices('ACCOUNT', [{ field: 'name', keep: 'CURRENT' }])).toEqual(new Map([['name', 'CURRENT']]));
    expect(() => parseUnmergeChoices('CONTACT', [{ field: 'nickname', keep: 'CURRENT' }])).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'fieldChoices[0].field' }) }),
    );
  });
});

describe('changedFields', () => {
  it('names changed columns by their event fields', () => {
    expect(changedFields('CONTACT', { first_name: 'A', emails: [] }, { first_name: 'B', emails: ['x'] })).toEqual(['firstName', 'emails']);
    expect(changedFields('ACCOUNT', { name: 'A' }, undefined)).toEqual([]);
  });
});

describe('mergeRecordOf', () => {
  it('counts the re-pointed links', () => {
    const record = mergeRecordOf({
      id: C,
      kind: 'CONTACT',
      survivor_id: A,
      merged_ids: [B],
      merged_by: OWNER_A,
      merged_at: '2026-12-01T10:00:00.000Z',
      unmerged_by: null,
      unmerged_at: null,
      before_images: { records: [], links: [{}, {}] },
    });
    expect(record).toMatchObject({ survivorId: A, mergedIds: [B], relinkedCount: 2, unmergedAt: null });
  });
});

describe('movedContactIds', () => {
  it('names the contacts whose account moved, once each, and nothing else', () => {
    const link = (table: string, column: string, id: string) => ({ table, column, key: { id }, from: 'a-old' });
    expect(
      movedContactIds([
        link('contacts', 'account_id', 'c-1'),
        link('opportunities', 'account_id', 'o-1'),
        link('contacts', 'merged_into', 'c-2'),
        link('contacts', 'account_id', 'c-1'),
        link('contacts', 'account_id', 'c-3'),
      ]),
    ).toEqual(['c-1', 'c-3']);
  });
});
