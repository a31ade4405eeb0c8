import { Controller, Headers, HttpCode, HttpException, Post } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { ApiKeysService } from './api-keys.service';

/** Called by the gateway only (network policy keeps it internal): API key in, access token out. */
@Controller('internal/api-keys')
export class ApiKeyExchangeController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post('exchange')
  @HttpCode(200)
  async exchange(@Headers('x-api-key') apiKey: string | undefined): Promise<{ accessToken: string; expiresAt: string }> {
    try {
      const { accessToken, expiresAt } = await this.apiKeys.exchange(apiKey ?? '');
      return { accessToken, expiresAt: expiresAt.toISOString() };
    } catch (err) {
      if (err instanceof GraphQLError) throw new HttpException({ code: err.extensions.code, message: err.message }, 401);
      throw err;
    }
  }
}
