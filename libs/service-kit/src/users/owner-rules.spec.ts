import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { IN_FLIGHT_WINDOW_MS, isStaff, mayBeInFlight, ownerRefusal, uuidV7Time } from './owner-rules';

describe('owner rules', () => {
  it('reads the time out of a UUID v7 and nothing out of other ids', () => {
    const at = Date.UTC(2026, 10, 23, 9, 30);
    expect(uuidV7Time(uuidv7({ msecs: at }))).toBe(at);
    expect(uuidV7Time(uuidv4())).toBeNull();
    expect(uuidV7Time('not-a-uuid')).toBeNull();
  });

  it('waits only for fresh v7 ids: a random or old id cannot be a user whose event is still on its way', () => {
    const now = Date.now();
    expect(mayBeInFlight(uuidv7({ msecs: now - 1000 }), now)).toBe(true);
    expect(mayBeInFlight(uuidv7({ msecs: now + 1000 }), now)).toBe(true);
    expect(mayBeInFlight(uuidv7({ msecs: now - IN_FLIGHT_WINDOW_MS - 1 }), now)).toBe(false);
    expect(mayBeInFlight(uuidv7({ msecs: now + 60_000 }), now)).toBe(false);
    expect(mayBeInFlight(uuidv4(), now)).toBe(false);
  });

  it('lets active staff own records, and the caller themselves while sales does not know them yet', () => {
    const id = uuidv7();
    expect(ownerRefusal(id, { id, active: true, roles: ['sales_rep'] }, null)).toBeNull();
    expect(ownerRefusal(id, undefined, id)).toBeNull();
    expect(ownerRefusal(id, undefined, null)).toBe(`no active user ${id} in this tenant`);
    expect(ownerRefusal(id, { id, active: false, roles: ['sales_rep'] }, id)).toBe(`user ${id} is deactivated`);
    expect(ownerRefusal(id, { id, active: true, roles: ['customer'] }, null)).toMatch(/is not staff/);
  });

  it('counts every role but customer and partner as staff', () => {
    expect(isStaff(['support_agent'])).toBe(true);
    expect(isStaff(['customer', 'analyst'])).toBe(true);
    expect(isStaff(['customer'])).toBe(false);
    expect(isStaff([])).toBe(false);
  });
});
