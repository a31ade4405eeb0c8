import { v7 as uuidv7 } from 'uuid';

/**
 * A `sales.contact.created` envelope as sales publishes it, for benchmarks
 * that feed consumers straight through NATS (marketing's read model,
 * webhook deliveries) without going through sales.
 */
export function contactCreatedEvent(
  tenantId: string,
  /** `emails` gets the new contact's id, for addresses unique across runs. */
  person: { firstName: string; lastName: string; emails?: (contactId: string) => string[] },
  now = new Date().toISOString(),
) {
  const id = uuidv7();
  return {
    id: uuidv7(),
    type: 'sales.contact.created',
    version: 1,
    tenantId,
    occurredAt: now,
    actor: { kind: 'system', id: null },
    subjectId: id,
    data: {
      contact: {
        id,
        accountId: null,
        ownerId: null,
        firstName: person.firstName,
        lastName: person.lastName,
        emails: person.emails?.(id) ?? [],
        phones: [],
        externalIds: [],
        createdAt: now,
        updatedAt: now,
      },
    },
  };
}
