import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const CREATE_ACTIVITY = `mutation($input: CreateActivityInput!) {
  createActivity(input: $input) { activity { id type isOpen dueAt target { type id } owner { id } } }
}`;
const TIMELINE = `query($id: ID!) { contact(id: $id) { timeline(first: 10) { totalCount edges { node { kind summary occurredAt refId } } } } }`;

/** A task due soon on a contact, through the gateway: reminded once on the SALES stream, and on the contact's timeline. */
describe('sales activities through the gateway (end to end)', () => {
  let platform: Platform;
  let acme: TestTenant;
  let probe: StreamProbe;
  let rep: string;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const dueSubject = `${process.env.NATS_SUBJECT_PREFIX}.sales.activity.due`;

  beforeAll(async () => {
    // Reminders wait 10 % of real time: a task due in 20 s is reminded after about 2 s.
    const saved = process.env.SALES_REMINDER_DELAY_PERCENT;
    process.env.SALES_REMINDER_DELAY_PERCENT = '10';
    try {
      platform = await startPlatform();
    } finally {
      if (saved === undefined) delete process.env.SALES_REMINDER_DELAY_PERCENT;
      else process.env.SALES_REMINDER_DELAY_PERCENT = saved;
    }
    acme = await createTenant(platform, 'activities');
    rep = await acme.tokenFor('sales_rep');
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  it('task due soon → sales.activity.due exactly once → on the contact timeline', async () => {
    const contact = await graphql(
      platform.graphqlUrl,
      CREATE_CONTACT,
      { input: { firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@activities.test'] } },
      bearer(rep),
    );
    expect(contact.errors).toBeUndefined();
    const contactId = contact.data!.createContact.contact.id as string;

    const dueAt = new Date(Date.now() + 20_000).toISOString();
    const created = await graphql(
      platform.graphqlUrl,
      CREATE_ACTIVITY,
      { input: { type: 'TASK', target: { type: 'CONTACT', id: contactId }, subject: 'Send the proposal', dueAt } },
      bearer(rep),
    );
    expect(created.errors).toBeUndefined();
    const activity = created.data!.createActivity.activity;
    expect(activity).toMatchObject({ type: 'TASK', isOpen: true, dueAt, target: { type: 'CONTACT', id: contactId } });

    const mine = (events: { subjectId: string }[]) => events.filter((e) => e.subjectId === activity.id);
    await probe.waitFor(stream, dueSubject, (events) => mine(events).length > 0, 15_000);
    await new Promise((r) => setTimeout(r, 2000));
    const due = mine(await probe.events(stream, dueSubject));
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ type: 'sales.activity.due', tenantId: acme.id, data: { activity: { id: activity.id, dueAt } } });

    const timeline = await graphql(platform.graphqlUrl, TIMELINE, { id: contactId }, bearer(rep));
    expect(timeline.errors).toBeUndefined();
    const edges = timeline.data!.contact.timeline.edges as { node: { kind: string; summary: string; occurredAt: string; refId: string } }[];
    expect(edges.map((e) => e.node)).toContainEqual(
      expect.objectContaining({ kind: 'ACTIVITY_CREATED', summary: 'Task: Send the proposal', refId: activity.id }),
    );
    expect(Number.isNaN(Date.parse(edges[0].node.occurredAt))).toBe(false);
  });

  it('a reminder reaches the owner as an in-app notification (myNotifications), once, and nobody else', async () => {
    const NOTIFICATIONS = `query { myNotifications(first: 50) { id kind dueAt readAt case { id } activity { id subject isOpen } } }`;
    const dueAt = new Date(Date.now() + 20_000).toISOString();
    const created = await graphql(
      platform.graphqlUrl,
      CREATE_ACTIVITY,
      { input: { type: 'CALL', target: { type: 'CONTACT', id: await newContact() }, subject: 'Call about the renewal', dueAt } },
      bearer(rep),
    );
    expect(created.errors).toBeUndefined();
    const activityId = created.data!.createActivity.activity.id as string;

    const reminders = async (token: string) => {
      const res = await graphql(platform.graphqlUrl, NOTIFICATIONS, {}, bearer(token));
      expect(res.errors).toBeUndefined();
      return (res.data!.myNotifications as { kind: string; activity: { id: string } | null }[]).filter(
        (n) => n.kind === 'ACTIVITY_DUE' && n.activity?.id === activityId,
      );
    };
    const deadline = Date.now() + 20_000;
    while ((await reminders(rep)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await reminders(rep)).toEqual([
      expect.objectContaining({
        kind: 'ACTIVITY_DUE',
        dueAt,
        readAt: null,
        case: null,
        activity: { id: activityId, subject: 'Call about the renewal', isOpen: true },
      }),
    ]);
    expect(await reminders(await acme.tokenFor('sales_manager'))).toEqual([]);
  });

  /** A contact for an activity to be about. */
  async function newContact(): Promise<string> {
    const res = await graphql(platform.graphqlUrl, CREATE_CONTACT, { input: { lastName: 'Byron' } }, bearer(rep));
    expect(res.errors).toBeUndefined();
    return res.data!.createContact.contact.id as string;
  }
});
