import { EVERY_RECORD, NO_RECORD } from '@rapport/auth';
import { timelineVisible, type TimelineReader } from './timeline-visibility';

const everything: TimelineReader = {
  opportunities: EVERY_RECORD,
  quotes: EVERY_RECORD,
  leads: EVERY_RECORD,
  activityTargets: { LEAD: EVERY_RECORD, CONTACT: EVERY_RECORD, ACCOUNT: EVERY_RECORD, OPPORTUNITY: EVERY_RECORD },
  cases: EVERY_RECORD,
  orders: true,
  messages: true,
  consents: true,
};

describe('timelineVisible', () => {
  it('adds nothing for a reader who sees every record of every kind', () => {
    expect(timelineVisible(everything)).toEqual({ sql: 'TRUE', params: {} });
  });

  it('drops the kinds a role may not read and checks owners where sharing narrows', () => {
    const team = { all: false as const, ownerIds: ['u1', 'u2'], unowned: false };
    const { sql, params } = timelineVisible({
      ...everything,
      opportunities: team,
      quotes: null,
      activityTargets: { ...everything.activityTargets, OPPORTUNITY: team, LEAD: NO_RECORD },
    });
    expect(sql).toContain(`WHEN t.kind IN ('QUOTE_SENT', 'QUOTE_ACCEPTED') THEN FALSE`);
    expect(sql).toContain(
      `WHEN t.kind IN ('OPPORTUNITY_CREATED', 'OPPORTUNITY_STAGE_CHANGED', 'OPPORTUNITY_WON', 'OPPORTUNITY_LOST') THEN EXISTS`,
    );
    expect(sql).not.toContain('LEAD_CONVERTED');
    expect(params).toEqual({ tlOpportunityOwners: ['u1', 'u2'], tlActivityLEADOwners: [], tlActivityOPPORTUNITYOwners: ['u1', 'u2'] });
  });

  it("hides other services' entries by their field group, and private cases by the case's owner", () => {
    const own = { all: false as const, ownerIds: ['u1'], unowned: false };
    const { sql, params } = timelineVisible({ ...everything, cases: own, orders: false, consents: false });
    expect(sql).toContain(`WHEN t.kind IN ('CASE_OPENED', 'CASE_RESOLVED', 'CASE_REOPENED') THEN t.ref_owner_id`);
    expect(sql).toContain(`WHEN t.kind IN ('ORDER_PLACED') THEN FALSE`);
    expect(sql).toContain(`WHEN t.kind IN ('CONSENT_CHANGED') THEN FALSE`);
    expect(sql).not.toContain('MESSAGE_SENT');
    expect(params).toEqual({ tlCaseOwners: ['u1'] });
    expect(timelineVisible({ ...everything, cases: null }).sql).toContain(
      `WHEN t.kind IN ('CASE_OPENED', 'CASE_RESOLVED', 'CASE_REOPENED') THEN FALSE`,
    );
  });
});
