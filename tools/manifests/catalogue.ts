// What each app is, taken from its own code, so the manifests can be checked
// against it rather than against a list kept here: the subgraphs and their
// ports are the gateway's (apps/gateway/src/subgraphs.ts), the variables an
// app reads are its env spec (what loadEnv accepts).
import { platformEnv, type EnvSpec } from '@rapport/config';
import { analyticsEnv } from '../../apps/analytics/src/analytics.env';
import { gatewayEnv } from '../../apps/gateway/src/gateway.env';
import { SUBGRAPHS, subgraphUrlVariable, type SubgraphName } from '../../apps/gateway/src/subgraphs';
import { identityEnv } from '../../apps/identity/src/identity.env';
import { marketingEnv } from '../../apps/marketing/src/marketing.env';
import { salesEnv } from '../../apps/sales/src/sales.env';
import { serviceEnv } from '../../apps/service/src/service.env';
import { Problem, problem } from './problems';

export interface AppSpec {
  name: string;
  port: number;
  /** A subgraph has its own database, role and migrations, and sits behind the gateway. */
  role: 'gateway' | 'subgraph';
  /** Every variable the app reads; anything else set for it is a typo or a leftover. */
  variables: ReadonlySet<string>;
}

/** Each subgraph's own variables (the `env` of its ServiceDefinition). Keyed by SubgraphName, so a new subgraph does not compile until listed. */
const SUBGRAPH_ENV: Record<SubgraphName, EnvSpec> = {
  identity: identityEnv,
  sales: salesEnv,
  service: serviceEnv,
  analytics: analyticsEnv,
  marketing: marketingEnv,
};

export const GATEWAY = 'gateway';

/** What bootstrapService reads for every subgraph (loadServiceConfig): the platform's variables, PORT and its own. */
function subgraphVariables(name: SubgraphName): Set<string> {
  return new Set([...Object.keys(platformEnv), 'PORT', ...Object.keys(SUBGRAPH_ENV[name])]);
}

export function appCatalogue(): AppSpec[] {
  const gatewayPort = gatewayEnv.PORT.default ?? 4000;
  return [
    {
      name: GATEWAY,
      port: gatewayPort,
      role: 'gateway',
      variables: new Set([...Object.keys(gatewayEnv), ...SUBGRAPHS.map((s) => subgraphUrlVariable(s.name))]),
    },
    ...SUBGRAPHS.map((s): AppSpec => ({ name: s.name, port: s.port, role: 'subgraph', variables: subgraphVariables(s.name) })),
  ];
}

/** The catalogue and apps/ agree: every app folder is catalogued, every catalogued app has a folder. */
export function checkCatalogue(specs: AppSpec[], apps: Set<string>): Problem[] {
  const names = new Set(specs.map((s) => s.name));
  return [
    ...[...apps]
      .filter((app) => !names.has(app))
      .map((app) =>
        problem(
          `apps/${app}`,
          'app',
          'is neither the gateway nor in SUBGRAPHS (apps/gateway/src/subgraphs.ts); its manifests cannot be checked',
        ),
      ),
    ...specs
      .filter((spec) => !apps.has(spec.name))
      .map((spec) => problem('tools/manifests/catalogue.ts', spec.name, `has no apps/${spec.name}/src/main.ts`)),
  ];
}

export function subgraphUrl(host: string, spec: AppSpec): string {
  return `http://${host}:${spec.port}/graphql`;
}
