import { join } from 'node:path';
import * as ts from 'typescript';
import { externalCustomerRecord, PERSONAL_FIELDS } from './personal-fields';

/**
 * Every event contract type is read from the TypeScript source (each
 * exported `EventEnvelope<typeof X, Data>`), its data walked field by field;
 * a field named like personal data must be sealed by PERSONAL_FIELDS (the
 * field or a parent of it) or be listed below with the reason it may travel
 * readable. A new event type with a name or an address in it fails here
 * until someone decides (ADR 052).
 */

const PERSONAL_NAME = /e-?mail|phone|name|address|external|subject|comment|note|body|proof|detail|company/i;

/** `type path` (or `* path` for every type) → why it travels readable. */
const DELIBERATELY_CLEAR: Readonly<Record<string, string>> = {
  'sales.account.created account.name': 'an account is an organisation, not a person',
  'sales.account.updated account.name': 'an account is an organisation, not a person',
  'sales.account.created account.externalIds': "an organisation's ids in other systems",
  'sales.account.updated account.externalIds': "an organisation's ids in other systems",
  '* opportunity.name': 'a deal title staff choose; erasure does not rewrite deal names (ADR 034)',
  '* stage.name': 'a pipeline stage name (configuration)',
  '* from.name': 'a pipeline stage name (configuration)',
  '* to.name': 'a pipeline stage name (configuration)',
  '* tenant.name': 'a tenant is an organisation',
  '* apiKey.name': "a label an admin gave a key, not a person's",
  'service.case.escalated ruleName': 'an escalation rule’s name (configuration)',
  'commerce.cart.abandoned lines.name': "a product's name as the shop shows it",
  'commerce.cart.updated lines.name': "a product's name as the shop shows it",
  'commerce.product.viewed name': "a product's name",
  'commerce.page.viewed title': "a page's title",
  '* externalOrderId':
    "the shop's order number, not the customer's id: revenue reconciles with the shop through it on replay, and an order alone names no one once its customer is erased",
  'sales.quote.sent quote.lines.description': "a product's description on a quote line",
  'sales.quote.accepted quote.lines.description': "a product's description on a quote line",
  '* product.name': 'catalog data',
  '* priceBook.name': 'catalog data',
  '* pipeline.name': 'configuration',
  '* stages.name': 'a pipeline stage name (configuration)',
  'analytics.customer.rfm_changed segmentName': 'an RFM segment label ("Champions"), computed',
};

interface EventContract {
  types: string[];
  fields: string[];
}

function loadProgram(): { checker: ts.TypeChecker; index: ts.SourceFile } {
  const indexPath = join(__dirname, '..', 'index.ts');
  const program = ts.createProgram([indexPath], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  return { checker: program.getTypeChecker(), index: program.getSourceFile(indexPath)! };
}

/** The literal event types of `type` (a literal or a union of literals). */
function literals(type: ts.Type): string[] {
  if (type.isStringLiteral()) return [type.value];
  if (type.isUnion()) return type.types.flatMap(literals);
  return [];
}

/** Dotted paths of every field under `type`; arrays and nullable unions are walked through. */
function fieldPaths(checker: ts.TypeChecker, type: ts.Type, prefix: string, seen: Set<ts.Type>, out: string[]): void {
  if (type.isUnion()) {
    for (const member of type.types) fieldPaths(checker, member, prefix, seen, out);
    return;
  }
  if (checker.isArrayType(type)) {
    fieldPaths(checker, checker.getTypeArguments(type as ts.TypeReference)[0], prefix, seen, out);
    return;
  }
  if (!(type.flags & ts.TypeFlags.Object) || seen.has(type)) return;
  seen.add(type);
  for (const property of type.getProperties()) {
    const path = prefix ? `${prefix}.${property.name}` : property.name;
    out.push(path);
    fieldPaths(checker, checker.getNonNullableType(checker.getTypeOfSymbol(property)), path, seen, out);
  }
  seen.delete(type);
}

function eventContracts(): EventContract[] {
  const { checker, index } = loadProgram();
  const contracts: EventContract[] = [];
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declaration = resolved.declarations?.[0];
    if (!declaration || !ts.isTypeAliasDeclaration(declaration)) continue;
    const type = checker.getTypeAtLocation(declaration);
    if (type.aliasSymbol?.name !== 'EventEnvelope' && type.getSymbol()?.name !== 'EventEnvelope') continue;
    const property = (name: string) => checker.getTypeOfSymbol(type.getProperty(name)!);
    const types = literals(property('type'));
    if (types.length === 0) continue;
    const fields: string[] = [];
    fieldPaths(checker, property('data'), '', new Set(), fields);
    contracts.push({ types, fields });
  }
  return contracts;
}

function sealedBy(type: string, field: string): boolean {
  const spec = PERSONAL_FIELDS[type];
  return !!spec?.fields.some(({ path }) => field === path.join('.') || field.startsWith(`${path.join('.')}.`));
}

function allowed(type: string, field: string): boolean {
  return Object.keys(DELIBERATELY_CLEAR).some((entry) => {
    const [forType, path] = entry.split(' ');
    return (forType === '*' || forType === type) && (field === path || field.endsWith(`.${path}`));
  });
}

describe('personal fields in event contracts', () => {
  const contracts = eventContracts();
  const byType = new Map(contracts.flatMap((c) => c.types.map((t) => [t, c.fields] as const)));

  it('finds the event contracts in the source', () => {
    // Sanity: the walk really reads the contracts (a broken walk would pass the next test vacuously).
    expect(byType.size).toBeGreaterThan(80);
    expect(byType.get('sales.contact.created')).toEqual(expect.arrayContaining(['contact.emails', 'contact.externalIds.key']));
    expect(byType.get('marketing.message.bounced')).toContain('detail');
  });

  it('seals every field named like personal data, or says why it travels readable', () => {
    const unsealed: string[] = [];
    for (const [type, fields] of byType) {
      const leaves = fields.filter((field) => PERSONAL_NAME.test(field.split('.').pop()!));
      for (const field of leaves) if (!sealedBy(type, field) && !allowed(type, field)) unsealed.push(`${type} ${field}`);
    }
    expect(unsealed).toEqual([]);
  });

  it('allows nothing it does not need', () => {
    const used = (entry: string) => {
      const [forType, path] = entry.split(' ');
      return [...byType].some(
        ([type, fields]) => (forType === '*' || forType === type) && fields.some((f) => f === path || f.endsWith(`.${path}`)),
      );
    };
    expect(Object.keys(DELIBERATELY_CLEAR).filter((entry) => !used(entry))).toEqual([]);
  });

  it('lists only event types that exist, with fields that exist', () => {
    for (const [type, spec] of Object.entries(PERSONAL_FIELDS)) {
      expect([type, byType.has(type)]).toEqual([type, true]);
      for (const { path } of spec.fields) expect([type, byType.get(type)]).toEqual([type, expect.arrayContaining([path.join('.')])]);
    }
  });

  it('keys partner events by a digest of the external id, never the id itself', () => {
    const record = externalCustomerRecord('shop', 'ada-1');
    expect(record).toMatch(/^ext-[0-9a-f]{40}$/);
    expect(record).not.toContain('ada-1');
    expect(PERSONAL_FIELDS['commerce.cart.abandoned'].record({ externalCustomer: { source: 'shop', key: 'ada-1' } })).toBe(record);
    expect(PERSONAL_FIELDS['commerce.cart.abandoned'].record({ contactId: 'c1', externalCustomer: { source: 'shop', key: 'ada-1' } })).toBe(
      'c1',
    );
    expect(PERSONAL_FIELDS['commerce.order.placed'].record({ order: { externalCustomer: { source: 'shop', key: 'ada-1' } } })).toBe(record);
    expect(PERSONAL_FIELDS['sales.activity.created'].record({ activity: { targetType: 'ACCOUNT', targetId: 'a1' } })).toBeNull();
    expect(PERSONAL_FIELDS['sales.activity.created'].record({ activity: { targetType: 'LEAD', targetId: 'l1' } })).toBe('l1');
  });
});
