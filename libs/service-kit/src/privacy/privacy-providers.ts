import type { Provider, Type } from '@nestjs/common';
import { PERSONAL_DATA, type PersonalDataSource } from './personal-data';
import { PrivacyParticipant } from './privacy-participant';

/** What a service lists in its module to answer data-subject requests with its own PersonalDataSource. */
export function privacyProviders(source: Type<PersonalDataSource>): Provider[] {
  return [{ provide: PERSONAL_DATA, useClass: source }, PrivacyParticipant];
}
