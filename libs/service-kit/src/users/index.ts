export { IdentityUsersConsumer } from './identity-users.consumer';
export { applyUserEvent, USER_EVENT_TYPES } from './identity-users.projection';
export { createIdentityUsersManagerIndex, createIdentityUsersTable, dropIdentityUsersTable } from './identity-users.table';
export { TeamDirectory } from './team-directory';
