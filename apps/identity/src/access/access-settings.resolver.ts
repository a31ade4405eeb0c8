import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { AccessSettingsService } from './access-settings.service';

@Resolver()
export class AccessSettingsResolver {
  constructor(private readonly settings: AccessSettingsService) {}

  @Query('fieldAccess')
  fieldAccess(@CurrentPrincipal() principal: Principal, @Args('role') role: string | null) {
    return this.settings.fieldAccess(principal, role);
  }

  @Query('sharingRules')
  sharingRules(@CurrentPrincipal() principal: Principal) {
    return this.settings.sharingRules(principal);
  }

  @Mutation('setSharingRules')
  async setSharingRules(@CurrentPrincipal() principal: Principal, @Args('input') input: { object: string; access: string }) {
    return { sharingRule: await this.settings.setSharingRules(principal, input) };
  }

  @Mutation('setFieldAccess')
  async setFieldAccess(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { role: string; fieldGroup: string; access: string },
  ) {
    return { fieldAccess: await this.settings.setFieldAccess(principal, input) };
  }
}
