import { Catch, Inject, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { Logger } from '@rapport/observability';
import { GraphQLError } from 'graphql';
import { LOGGER } from './tokens';

/**
 * Client errors (GraphQLError with a code) go back to the caller untouched
 * and unlogged — they are answers, not faults. Anything else is a fault: it
 * is logged with its stack here, and formatApiError hides it from the client.
 */
@Catch()
export class GraphQLExceptionFilter implements GqlExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<'graphql' | 'http'>() !== 'graphql') throw exception;
    if (!(exception instanceof GraphQLError)) this.logger.error({ err: exception }, 'unhandled error in resolver');
    return exception;
  }
}
