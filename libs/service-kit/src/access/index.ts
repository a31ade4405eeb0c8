export { AccessPolicy } from './access-policy';
export { CONTACT_OWNERS_TABLE, ContactVisibility, contactSharingProviders } from './contact-visibility';
export { AccessSettingsConsumer } from './access-settings.consumer';
export { AccessSettingsStore, DEFAULT_ACCESS_SETTINGS, readAccessSettings, writeAccessSettings } from './access-settings.store';
export { createAccessSettingsTable, dropAccessSettingsTable } from './access-settings.table';
export { SharingPolicy } from './sharing-policy';
export { visibleSql, whereVisible } from './where-visible';
