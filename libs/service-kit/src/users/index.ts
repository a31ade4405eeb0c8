export { IdentityUsersConsumer } from './identity-users.consumer';
export { applyUserEvent, USER_EVENT_TYPES } from './identity-users.projection';
export { createIdentityUsersManagerIndex, createIdentityUsersTable, dropIdentityUsersTable } from './identity-users.table';
export { TeamDirectory } from './team-directory';
export { UserNames } from './user-names';
export { OwnerDirectory, type OwnerRef } from './owner-directory';
export { IN_FLIGHT_WINDOW_MS, isStaff, mayBeInFlight, ownerRefusal, uuidV7Time, type ProjectedUser } from './owner-rules';
