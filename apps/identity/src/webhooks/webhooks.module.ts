import { Module } from '@nestjs/common';
import { WebhookDeliveries } from './webhook-deliveries';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookFanOut } from './webhook-fan-out';
import { WebhookReplay } from './webhook-replay';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookDeliveriesResolver, WebhookEndpointsResolver } from './webhooks.resolver';

/** Outbound webhooks: fan-out from every stream, signed deliveries, replay (docs/adr/033-webhooks-outbound-webhooks.md). */
@Module({
  providers: [
    WebhookSecrets,
    WebhookDeliveries,
    WebhookFanOut,
    WebhookReplay,
    WebhookEndpointsService,
    WebhookEndpointsResolver,
    WebhookDeliveriesResolver,
  ],
})
export class WebhooksModule {}
