/**
 * The published catalogue of API-key scopes (`apiScopes`): what a partner
 * key can be granted, as `<resource>:read` or `<resource>:write` (write
 * includes read). A key asking for anything else is refused at creation,
 * so a typo such as `contact:write` cannot make a key that silently
 * reaches nothing. A unit test checks every scope the services check is
 * listed here, and every listed scope is checked somewhere.
 */
export const API_SCOPE_RESOURCES = {
  accounts: 'accounts (companies) and their hierarchy',
  activities: 'tasks, calls, meetings and their reminders',
  analytics: 'RFM scores, lifetime value, churn risk, cohorts and model fits',
  cases: 'service cases, their comments, queues and SLAs',
  commerce: 'shop events sent in: abandoned and updated carts, page and product views, placed orders',
  consents: "consents per channel and purpose, and marketing's view of a contact",
  contacts: 'contacts: profile and contact details, duplicates and merges',
  leads: 'leads and their conversion',
  marketing: 'segments, campaigns, journeys and templates',
  opportunities: 'opportunities, pipelines as seen on a deal, forecasts',
  orders: 'orders recorded from other systems',
  pipelines: 'pipeline definitions and their stages',
  products: 'products, price books and prices',
  quotes: 'quotes and their PDFs',
  webhooks: 'webhook endpoints, their deliveries and replays',
} as const;

export type ApiScopeResource = keyof typeof API_SCOPE_RESOURCES;
export type ApiScopeAccess = 'read' | 'write';

export interface ApiScope {
  /** `<resource>:<access>`, as granted to a key, e.g. `contacts:write`. */
  name: string;
  resource: ApiScopeResource;
  access: ApiScopeAccess;
  description: string;
}

export const API_SCOPES: readonly ApiScope[] = (Object.entries(API_SCOPE_RESOURCES) as [ApiScopeResource, string][]).flatMap(
  ([resource, what]) =>
    (['read', 'write'] as const).map((access) => ({
      name: `${resource}:${access}`,
      resource,
      access,
      description: access === 'read' ? `read ${what}` : `read and change ${what}`,
    })),
);

const KNOWN = new Set(API_SCOPES.map((s) => s.name));

/** The scopes of `scopes` that are not in the catalogue (empty when all are). */
export function unknownApiScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !KNOWN.has(s));
}
