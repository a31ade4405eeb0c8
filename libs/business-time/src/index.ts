// Public API of @rapport/business-time: exact business-hours arithmetic, no I/O.

export { addBusinessMinutes, businessMinutesBetween, businessWindows } from './business-time';
export { ALWAYS_OPEN, InvalidCalendarError, parseCalendar } from './calendar';
export type { BusinessCalendar, BusinessInterval, Weekday } from './calendar';
