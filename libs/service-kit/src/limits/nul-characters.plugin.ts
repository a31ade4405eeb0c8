import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLRequestContext } from '../graphql.config';
import { findNulCharacter } from './nul-characters';

/** Refuses an operation whose arguments or variables carry a NUL character, before it executes (see findNulCharacter). */
export function nulCharactersPlugin(): ApolloServerPlugin<GraphQLRequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const error = findNulCharacter(document, request.variables ?? {});
          if (error) throw error;
        },
      };
    },
  };
}
