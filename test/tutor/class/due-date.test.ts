import { parseDueDate } from '../../../src/tutor/class/due-date';

// Wednesday 2026-12-09, 15:30 UTC
const NOW = Date.UTC(2026, 11, 9, 15, 30);
const due = (text: string) => {
  const r = parseDueDate(text, NOW);
  return r.ok ? r.dueAt.toISOString() : r.reason;
};

describe('due dates after `by`', () => {
  it('reads an ISO date as the end of that day in UTC', () => {
    expect(due('2026-12-20')).toBe('2026-12-20T23:59:00.000Z');
  });

  it('reads today, tomorrow, weekdays (today included) and "in N days/weeks"', () => {
    expect(due('today')).toBe('2026-12-09T23:59:00.000Z');
    expect(due('Tomorrow')).toBe('2026-12-10T23:59:00.000Z');
    expect(due('friday')).toBe('2026-12-11T23:59:00.000Z');
    expect(due('fri')).toBe('2026-12-11T23:59:00.000Z');
    expect(due('wednesday')).toBe('2026-12-09T23:59:00.000Z');
    expect(due('monday')).toBe('2026-12-14T23:59:00.000Z');
    expect(due('in 3 days')).toBe('2026-12-12T23:59:00.000Z');
    expect(due('in 2  weeks')).toBe('2026-12-23T23:59:00.000Z');
  });

  it('refuses a past day, a day that does not exist, one over a year away, and words it does not know, naming the forms', () => {
    expect(due('2026-12-08')).toBe('2026-12-08 has already passed. Pick today or a later day.');
    expect(due('2027-02-30')).toMatch(/not a date on the calendar/);
    expect(due('2028-06-01')).toMatch(/more than a year away/);
    expect(due('next sprint')).toMatch(/could not read "next sprint" as a date.*`by 2026-12-20`.*`by friday`/);
    expect(due('')).toMatch(/could not read/);
    expect(due('fr')).toMatch(/could not read/);
  });
});
