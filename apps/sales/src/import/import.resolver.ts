import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { ImportService, type ImportInput } from './import.service';

@Resolver()
export class ImportResolver {
  constructor(private readonly imports: ImportService) {}

  @Mutation('importRecords')
  importRecords(@CurrentPrincipal() principal: Principal, @Args('input') input: ImportInput) {
    return this.imports.importRecords(principal, input);
  }
}
