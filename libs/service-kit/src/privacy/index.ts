export { PrivacyParticipant } from './privacy-participant';
export { privacyProviders } from './privacy-providers';
export { affected, ERASED, eraseOutboxMentions, externalCustomerRecords, PERSONAL_DATA, type PersonalDataSource } from './personal-data';
export { newSealingKeyPair, openSealed, sealJson } from './sealed';
