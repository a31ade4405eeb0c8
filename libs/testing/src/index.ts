export { isolationEnv, newRunId, TEST_DATABASE } from './run-isolation';
export { bearer, graphql } from './graphql-client';
export type { GraphQLResponse } from './graphql-client';
export { StreamProbe } from './stream-probe';
export { startService } from './start-service';
export { scratchDatabase } from './scratch-database';
export { userPrincipal } from './principals';
export { pdfText } from './pdf-text';
export { selfSignedCertificate } from './self-signed-certificate';
