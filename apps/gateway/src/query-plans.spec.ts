import { readFileSync } from 'node:fs';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { SUPERGRAPH_PATH } from './gateway-server';

const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8'));
const planner = new QueryPlanner(supergraph);

/** The subgraphs a query's plan fetches from, in plan order. */
function fetchedFrom(query: string): string[] {
  const plan: QueryPlan = planner.buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));
  const services: string[] = [];
  const walk = (node: QueryPlan['node'] | PlanNode): void => {
    if (!node) return;
    if (node.kind === 'Fetch') services.push(node.serviceName);
    else if (node.kind === 'Flatten') walk(node.node);
    else if (node.kind === 'Sequence' || node.kind === 'Parallel') node.nodes.forEach(walk);
  };
  walk(plan.node);
  return services;
}

describe('query plans the 360° view depends on', () => {
  it("reads a contact's owner name from sales alone (sales provides it from its copy of identity's users)", () => {
    expect(fetchedFrom('query { contact(id: "c") { owner { id displayName } } }')).toEqual(['sales']);
  });

  it('still asks identity for what only identity knows about the owner', () => {
    expect(fetchedFrom('query { contact(id: "c") { owner { displayName email } } }')).toEqual(['sales', 'identity']);
  });
});
