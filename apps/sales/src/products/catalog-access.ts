import { forbidden, hasRole, requireRoleOrScope, type Principal } from '@rapport/auth';

/** Everyone in sales reads the catalogue (products and price books); partners need `products:read`. */
export function requireCatalogRead(principal: Principal): void {
  if (principal.kind === 'customer') throw forbidden('customers cannot read the product catalogue');
  requireRoleOrScope(principal, ['sales_manager', 'sales_rep'], 'products:read');
}

/** Products and prices shape every quote: sales managers and admins maintain them. */
export function requireCatalogAdmin(principal: Principal): void {
  if (principal.kind !== 'user' || !hasRole(principal, 'sales_manager')) {
    throw forbidden('products and price books are maintained by sales managers and admins');
  }
}
