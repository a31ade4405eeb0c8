import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { MarketingSettings } from '../settings/marketing-settings';
import { ReadModelReplay } from './read-model-replay';

@Resolver()
export class ReadModelResolver {
  constructor(
    private readonly replay: ReadModelReplay,
    private readonly settings: MarketingSettings,
  ) {}

  @Mutation('replayReadModel')
  start(@CurrentPrincipal() principal: Principal) {
    return this.replay.start(principal);
  }

  @Query('readModelReplay')
  get(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.replay.get(principal, id);
  }

  @Query('marketingSettings')
  marketingSettings(@CurrentPrincipal() principal: Principal) {
    return this.settings.get(principal);
  }

  @Mutation('setMarketingSettings')
  setMarketingSettings(@CurrentPrincipal() principal: Principal, @Args('input') input: { tierOrder?: string[] | null }) {
    return this.settings.set(principal, input);
  }
}
