import { SUBGRAPHS, subgraphUrlVariable as gatewayVariable } from '../../apps/gateway/src/subgraphs';
import { subgraphUrlVariable } from './plan';
import { SERVICES } from './services';

/**
 * The gateway is only ready when every subgraph it knows answers, so a
 * subgraph added there but not here would leave `npm start` waiting for the
 * gateway until it times out.
 */
describe('the service list', () => {
  it('starts exactly the subgraphs the gateway routes to, on their default ports', () => {
    const launched = SERVICES.filter((s) => s.role === 'subgraph').map((s) => [s.name, s.defaultPort]);
    expect(launched.sort()).toEqual(SUBGRAPHS.map((s) => [s.name, s.port]).sort());
  });

  it('names the gateway variables as the gateway reads them', () => {
    for (const s of SUBGRAPHS) expect(subgraphUrlVariable(s.name)).toBe(gatewayVariable(s.name));
  });

  it('has one gateway, and unique names, ports and port variables', () => {
    expect(SERVICES.filter((s) => s.role === 'gateway')).toHaveLength(1);
    for (const key of ['name', 'defaultPort', 'portVariable'] as const)
      expect(new Set(SERVICES.map((s) => s[key])).size).toBe(SERVICES.length);
  });
});
