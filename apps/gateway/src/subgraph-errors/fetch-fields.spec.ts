import { parse } from 'graphql';
import { fetchErrorPaths } from './fetch-fields';

// Fetch operations in the shape the query planner sends them (see a plan of the 360° contact query).
const ENTITIES = 'query($representations: [_Any!]!) { _entities(representations: $representations) { %s } }';
const entities = (selection: string) => parse(ENTITIES.replace('%s', selection));
const contact = (id: string) => ({ __typename: 'Contact', id });
const account = (id: string) => ({ __typename: 'Account', id });

describe('fetchErrorPaths', () => {
  it('names each top-level field of a root fetch by its response key (alias)', () => {
    const doc = parse('query($id: ID!) { c: contact(id: $id) { __typename id firstName } contacts(first: 2) { totalCount } }');
    expect(fetchErrorPaths(doc)).toEqual([['c'], ['contacts']]);
  });

  it('names each field asked of each entity of an entity fetch, without __typename', () => {
    const doc = entities('... on Contact { __typename cases { totalCount } consents { channel } }');
    expect(fetchErrorPaths(doc, [contact('1'), contact('2')])).toEqual([
      ['_entities', 0, 'cases'],
      ['_entities', 0, 'consents'],
      ['_entities', 1, 'cases'],
      ['_entities', 1, 'consents'],
    ]);
  });

  it('gives each entity only the fields of its own type when one fetch asks several types', () => {
    const doc = entities('... on Contact { rfm { recency } } ... on Account { cases { totalCount } }');
    expect(fetchErrorPaths(doc, [account('a'), contact('c')])).toEqual([
      ['_entities', 0, 'cases'],
      ['_entities', 1, 'rfm'],
    ]);
  });

  it('follows named fragments and keeps aliases', () => {
    const doc = parse(`
      query($representations: [_Any!]!) { _entities(representations: $representations) { ...ContactFields } }
      fragment ContactFields on Contact { score: rfm { recency } ...Value }
      fragment Value on Contact { value { pAlive } }
    `);
    expect(fetchErrorPaths(doc, [contact('1')])).toEqual([
      ['_entities', 0, 'score'],
      ['_entities', 0, 'value'],
    ]);
  });

  it('falls back to every field asked when no type condition names the typename (an interface)', () => {
    const doc = entities('... on Customer { cases { totalCount } }');
    expect(fetchErrorPaths(doc, [contact('1')])).toEqual([['_entities', 0, 'cases']]);
  });

  it('has no paths for an entity fetch with no representations', () => {
    expect(fetchErrorPaths(entities('... on Contact { cases { totalCount } }'), [])).toEqual([]);
  });
});
