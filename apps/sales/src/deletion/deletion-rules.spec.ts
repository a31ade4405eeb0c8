import { relatedRecordsPlan } from './deletion-rules';

function errorOf(work: () => unknown): { code?: unknown; field?: unknown } {
  try {
    work();
  } catch (err) {
    return (err as { extensions: { code?: unknown; field?: unknown } }).extensions;
  }
  throw new Error('expected an error');
}

describe('deletion rules', () => {
  it('asks what happens to an account’s contacts and opportunities, naming the argument', () => {
    expect(errorOf(() => relatedRecordsPlan({ contacts: 2, opportunities: 0 }, {}))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.contacts',
    });
    expect(errorOf(() => relatedRecordsPlan({ contacts: 0, opportunities: 1 }, { contacts: 'DELETE' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.opportunities',
    });
    expect(errorOf(() => relatedRecordsPlan({ contacts: 0, opportunities: 1 }, { opportunities: 'DETACH' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.opportunities',
    });
  });

  it('needs no answer for an account with nothing attached, and follows the answer given', () => {
    expect(relatedRecordsPlan({ contacts: 0, opportunities: 0 }, {})).toEqual({ contacts: null, deleteOpportunities: false });
    expect(relatedRecordsPlan({ contacts: 3, opportunities: 2 }, { contacts: 'DETACH', opportunities: 'DELETE' })).toEqual({
      contacts: 'DETACH',
      deleteOpportunities: true,
    });
  });
});
