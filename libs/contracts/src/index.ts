export * from './envelope';
export * from './streams';
export * from './roles';
export * from './sales/contact.events';
export * from './sales/account.events';
export * from './sales/opportunity.events';
export * from './sales/lead.events';
export * from './identity/identity.events';
