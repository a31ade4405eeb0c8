import type { CartView } from './template-rules';

/**
 * The cart a journey's reminder can show, from the data of the event that
 * started the run (a commerce.cart.* event: stored as the enrolment's
 * trigger data). Null for any other trigger. Partner JSON is not trusted
 * to be well-formed: what is not a string is left out rather than shown.
 */
export function cartView(triggerData: Record<string, unknown> | null | undefined): CartView | null {
  const data = triggerData ?? {};
  if (typeof data.cartId !== 'string') return null;
  const lines = Array.isArray(data.lines) ? data.lines : [];
  return {
    id: data.cartId,
    value: str(data.value),
    currency: str(data.currency),
    lines: lines.flatMap((line: unknown) => {
      const l = (line ?? {}) as Record<string, unknown>;
      const sku = str(l.sku);
      if (!sku) return [];
      return [{ sku, name: str(l.name) ?? sku, quantity: str(l.quantity) ?? '', unitPrice: str(l.unitPrice) ?? '' }];
    }),
  };
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
