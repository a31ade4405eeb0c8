import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { PipelineEntity } from './pipeline.entity';
import type { PipelineStageEntity } from './pipeline-stage.entity';
import { isClosedCategory } from './pipeline-rules';
import { PipelinesService, type CreatePipelineInput, type UpdatePipelineInput } from './pipelines.service';

@Resolver('Pipeline')
export class PipelinesResolver {
  constructor(private readonly pipelines: PipelinesService) {}

  @Query('pipeline')
  pipeline(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.pipelines.get(principal, id);
  }

  @Query('pipelines')
  list(@CurrentPrincipal() principal: Principal, @Args() args: { first?: number; after?: string }) {
    return this.pipelines.list(principal, args);
  }

  @Mutation('createPipeline')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreatePipelineInput) {
    return { pipeline: await this.pipelines.create(principal, input) };
  }

  @Mutation('updatePipeline')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdatePipelineInput) {
    return { pipeline: await this.pipelines.update(principal, input) };
  }

  @ResolveField('stages')
  stages(@Parent() pipeline: PipelineEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'stagesByPipeline', (ids) => this.pipelines.stagesOf(principal, ids)).load(pipeline.id);
  }
}

@Resolver('PipelineStage')
export class PipelineStageResolver {
  @ResolveField('isClosed')
  isClosed(@Parent() stage: PipelineStageEntity) {
    return isClosedCategory(stage.forecastCategory);
  }
}
