import type { ApolloServerPlugin } from '@apollo/server';
import { currentRequestReads, RequestReads, withRequestReads } from '@rapport/persistence';
import type { NextFunction, Request, Response } from 'express';

/**
 * Gives each GraphQL HTTP request its RequestReads (libs/persistence): the
 * fields of a query then share one read-only tenant transaction. Mounted
 * after the body parser, whose stream callbacks would otherwise run the rest
 * of the request outside this context. Closing the connection early (a
 * client gone) still ends the transaction.
 */
export function requestReadsMiddleware() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const reads = new RequestReads();
    res.on('close', () => void reads.finish());
    withRequestReads(reads, next);
  };
}

/** Shares reads once the operation is known to be a query; ends the shared transactions before answering. */
export function requestReadsPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'query') currentRequestReads()?.shareReads();
        },
        async willSendResponse() {
          await currentRequestReads()?.finish();
        },
      };
    },
  };
}
