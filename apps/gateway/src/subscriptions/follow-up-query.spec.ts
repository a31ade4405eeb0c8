import { parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { answerOf, FILTER_CONTACT, FILTER_QUEUE, followUpQuery, repath } from './follow-up-query';

function subscription(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
  return { operation, field: operation.selectionSet.selections[0] as FieldNode, fragments };
}

const normalise = (query: string) => query.replace(/\s+/g, ' ').trim();

describe('followUpQuery', () => {
  it('puts the subscriber’s selection under the answering field, with only the variables and fragments the selection uses', () => {
    const { operation, field, fragments } = subscription(`
      subscription ($id: ID!, $periods: Int, $unused: String) {
        c: customerValueChanged(contactId: $id) { ...Figures tier }
      }
      fragment Figures on CustomerValue { expectedPurchases(periods: $periods) ...Churn }
      fragment Churn on CustomerValue { churnBand }
      fragment Unused on CustomerValue { pAlive }
    `);
    const followUp = followUpQuery(operation, field, fragments, { id: 'c-1', periods: 12, unused: 'x' }, [
      { field: 'contact', args: { id: { type: 'ID!', value: 'c-1' } } },
      { field: 'value' },
    ]);
    expect(normalise(followUp.query)).toBe(
      normalise(`query ($periods: Int, $rapportStep0_id: ID!) { contact(id: $rapportStep0_id) { value { ...Figures tier } } }
        fragment Figures on CustomerValue { expectedPurchases(periods: $periods) ...Churn }
        fragment Churn on CustomerValue { churnBand }`),
    );
    expect(followUp.variables).toEqual({ periods: 12, rapportStep0_id: 'c-1' });
  });

  it('adds the hidden filter fields only when a filter must be decided on the answer', () => {
    const { operation, field, fragments } = subscription(`subscription { caseUpdated(filter: { queueId: "q" }) { id } }`);
    const steps = [{ field: 'case', args: { id: { type: 'ID!', value: 'k-1' } } }];
    expect(followUpQuery(operation, field, fragments, {}, steps).query).not.toContain(FILTER_QUEUE);
    const filtered = followUpQuery(operation, field, fragments, {}, steps, { queueId: 'q' });
    expect(normalise(filtered.query)).toContain(`${FILTER_QUEUE}: queue { id } ${FILTER_CONTACT}: contact { id }`);
  });
});

describe('answerOf', () => {
  const steps = [{ field: 'contact', args: { id: { type: 'ID!', value: 'c-1' } } }, { field: 'value' }];

  it('takes the object at the end of the steps and moves errors to the subscription’s path', () => {
    const answer = answerOf({ query: '', variables: {}, steps }, 'customerValueChanged', {
      data: { contact: { value: { tier: 'gold', clv: null } } },
      errors: [{ message: 'denied', path: ['contact', 'value', 'clv'], extensions: { code: 'FORBIDDEN' } }],
    });
    expect(answer).toEqual({
      value: { tier: 'gold', clv: null },
      errors: [{ message: 'denied', path: ['customerValueChanged', 'clv'], extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it('gives null when a step is null, keeping the error at the subscription field', () => {
    const answer = answerOf({ query: '', variables: {}, steps }, 'v', {
      data: { contact: null },
      errors: [{ message: 'Contact c-1 not found', path: ['contact'], extensions: { code: 'NOT_FOUND' } }],
    });
    expect(answer).toEqual({ value: null, errors: [{ message: 'Contact c-1 not found', path: ['v'], extensions: { code: 'NOT_FOUND' } }] });
  });

  it('takes out the hidden filter fields and their errors', () => {
    const answer = answerOf({ query: '', variables: {}, steps: [{ field: 'case' }] }, 'caseUpdated', {
      data: { case: { id: 'k', [FILTER_QUEUE]: { id: 'q' }, [FILTER_CONTACT]: null } },
      errors: [{ message: 'denied', path: ['case', FILTER_CONTACT], extensions: { code: 'FORBIDDEN' } }],
    });
    expect(answer).toEqual({ value: { id: 'k' }, errors: [], filterQueueId: 'q', filterContactId: null });
  });
});

describe('repath', () => {
  it('replaces the steps the path starts with by the response key', () => {
    expect(repath(['contact', 'emails', 0], ['contact'], 'contactChanged')).toEqual(['contactChanged', 'emails', 0]);
    expect(repath(['contact'], ['contact', 'value'], 'v')).toEqual(['v']);
  });
});
