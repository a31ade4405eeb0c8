export { RESYNC_PAGE, ResyncResponder } from './resync-responder';
export type { ResyncSource } from './resync-responder';
export { parseResyncRequest } from './resync-request';
