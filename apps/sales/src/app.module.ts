import { Module } from '@nestjs/common';
import { DateTimeScalar, RapportServiceModule } from '@rapport/service-kit';
import { AccountsResolver } from './accounts/accounts.resolver';
import { AccountsService } from './accounts/accounts.service';
import { ContactsResolver } from './contacts/contacts.resolver';
import { ContactsService } from './contacts/contacts.service';
import { salesDefinition } from './sales.definition';

@Module({
  imports: [RapportServiceModule.forRoot(salesDefinition)],
  providers: [DateTimeScalar, AccountsService, AccountsResolver, ContactsService, ContactsResolver],
})
export class SalesAppModule {}
