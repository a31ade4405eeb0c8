import { badUserInput } from '@rapport/auth';
import Mustache from 'mustache';

/**
 * Message templates are Mustache, logic-less on purpose: a marketer's
 * template can show a contact's data but never run code. Values are
 * HTML-escaped in HTML bodies, and the unescaped forms ({{{x}}}, {{&x}}),
 * partials and delimiter changes are refused, so contact data can never
 * inject markup. Text bodies (plain-text email, SMS, push) are not HTML and
 * are rendered without escaping.
 */
export const TEMPLATE_VARIABLES = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'tier',
  'rfmSegment',
  'campaignName',
  'unsubscribeUrl',
] as const;
const ATTRIBUTE = /^attributes\.[A-Za-z0-9_]{1,64}$/;

/**
 * The cart of the event that started a journey (commerce.cart.abandoned or
 * cart.updated): `{{cart.value}} {{cart.currency}}`, and its lines in a
 * `{{#cart.lines}}…{{/cart.lines}}` section, inside which CART_LINE_VARIABLES
 * name each line. Empty in messages that have no cart (campaigns, other triggers).
 */
export const CART_VARIABLES = ['cart', 'cart.id', 'cart.value', 'cart.currency', 'cart.lines'] as const;
export const CART_LINE_VARIABLES = ['sku', 'name', 'quantity', 'unitPrice'] as const;

export interface CartView {
  id: string;
  value: string | null;
  currency: string | null;
  lines: { sku: string; name: string; quantity: string; unitPrice: string }[];
}

export type TemplateView = Partial<Record<(typeof TEMPLATE_VARIABLES)[number], string | null>> & {
  attributes?: Record<string, unknown>;
  cart?: CartView | null;
};

type Token = [string, string, number, number, Token[]?];

/** Parses and checks one template; returns the variables it uses. */
export function checkTemplate(field: string, source: string): string[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(source) as unknown as Token[];
  } catch (err) {
    throw badUserInput(field, `not a valid template: ${(err as Error).message}`);
  }
  const used = new Set<string>();
  const known: readonly string[] = [...TEMPLATE_VARIABLES, ...CART_VARIABLES];
  const walk = (list: Token[], inLines: boolean) => {
    for (const [type, value, start, , children] of list) {
      if (type === 'text') continue;
      if (type === '&' || type === '{') throw badUserInput(field, `unescaped output {{{${value}}}} at character ${start} is not allowed`);
      if (type === '>' || type === '=') throw badUserInput(field, `partials and delimiter changes are not allowed (character ${start})`);
      if (type === '!') continue;
      const lineVariable = inLines && (CART_LINE_VARIABLES as readonly string[]).includes(value);
      if (!known.includes(value) && !ATTRIBUTE.test(value) && !lineVariable) {
        throw badUserInput(
          field,
          `unknown variable {{${value}}} at character ${start}; known: ${known.join(', ')}, attributes.<key>, ` +
            `and inside {{#cart.lines}}: ${CART_LINE_VARIABLES.join(', ')}`,
        );
      }
      if (!lineVariable) used.add(value);
      if (children) walk(children, inLines || (type === '#' && value === 'cart.lines'));
    }
  };
  walk(tokens, false);
  return [...used];
}

/** Renders for one recipient; `html` escapes values, text does not. */
export function renderTemplate(source: string, view: TemplateView, mode: 'html' | 'text'): string {
  return Mustache.render(source, view, undefined, mode === 'html' ? undefined : { escape: (v: unknown) => String(v) });
}

const HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;

/**
 * Rewrites every http(s) link of rendered HTML through `track` (the click
 * redirect) and appends the open pixel before </body> (or at the end).
 */
export function instrumentHtml(html: string, track: (url: string) => string, openPixelUrl: string): string {
  const linked = html.replace(HREF, (_m, prefix: string, quote: string, url: string) => {
    const target = url.replace(/&amp;/g, '&');
    return `${prefix}${quote}${track(target).replace(/&/g, '&amp;')}${quote}`;
  });
  const pixel = `<img src="${openPixelUrl}" width="1" height="1" alt="" style="display:none">`;
  return /<\/body>/i.test(linked) ? linked.replace(/<\/body>/i, `${pixel}</body>`) : `${linked}${pixel}`;
}
