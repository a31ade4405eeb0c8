import { STREAMS } from '@rapport/contracts';
import { loadTypeDefs, type ServiceDefinition } from '@rapport/service-kit';
import { AccountEntity } from './accounts/account.entity';
import { ContactEntity } from './contacts/contact.entity';
import { ContactExternalIdEntity } from './contacts/contact-external-id.entity';
import { SalesInitial1764000000000 } from './migrations/1764000000000-sales-initial';

export const salesDefinition: ServiceDefinition = {
  name: 'sales',
  defaultPort: 4002,
  entities: [AccountEntity, ContactEntity, ContactExternalIdEntity],
  migrations: [SalesInitial1764000000000],
  producesStreams: [STREAMS.SALES],
  typeDefs: loadTypeDefs(__dirname),
};
