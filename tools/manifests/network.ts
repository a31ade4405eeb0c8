// The NetworkPolicy set must start from "deny all ingress".
import { Problem, problem } from './problems';
import { asArray, asRecord, at } from './values';
import { YamlDoc, kindOf } from './yaml-docs';

/** podSelector {} + policyTypes [Ingress] + no ingress rules. */
export function isDefaultDenyIngress(doc: YamlDoc): boolean {
  if (kindOf(doc) !== 'NetworkPolicy') return false;
  const selector = asRecord(at(doc.value, 'spec', 'podSelector'));
  const selectsAll =
    selector !== undefined && Object.values(selector).every((v) => v === null || Object.keys(asRecord(v) ?? asArray(v)).length === 0);
  const types = asArray(at(doc.value, 'spec', 'policyTypes'));
  return selectsAll && types.includes('Ingress') && asArray(at(doc.value, 'spec', 'ingress')).length === 0;
}

export function checkDefaultDeny(docs: YamlDoc[], where: string): Problem[] {
  const policies = docs.filter((doc) => kindOf(doc) === 'NetworkPolicy');
  if (policies.some(isDefaultDenyIngress)) return [];
  return [
    problem(
      where,
      'NetworkPolicy set',
      `none of ${policies.length} NetworkPolicies is a default deny (podSelector: {}, policyTypes: [Ingress], no ingress rules)`,
    ),
  ];
}
