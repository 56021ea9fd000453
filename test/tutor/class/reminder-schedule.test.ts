import { reminderOwed } from '../../../src/tutor/class/reminder-schedule';

const at = (iso: string) => new Date(iso);
const open = (dueIso: string, sent: { before?: string; onDay?: string } = {}) => ({
  dueAt: at(dueIso),
  completedAt: null,
  remindedBeforeAt: sent.before ? at(sent.before) : null,
  remindedOnDayAt: sent.onDay ? at(sent.onDay) : null,
});
const now = (iso: string) => at(iso).getTime();

describe('which reminder an assignment is owed', () => {
  const DUE = '2026-12-20T23:59:00Z';

  it('one the day before and one on the day, each once', () => {
    expect(reminderOwed(open(DUE), now('2026-12-18T12:00:00Z'))).toBeNull();
    expect(reminderOwed(open(DUE), now('2026-12-19T00:05:00Z'))).toBe('before');
    expect(reminderOwed(open(DUE, { before: '2026-12-19T00:05:00Z' }), now('2026-12-19T18:00:00Z'))).toBeNull();
    expect(reminderOwed(open(DUE, { before: '2026-12-19T00:05:00Z' }), now('2026-12-20T08:00:00Z'))).toBe('onDay');
    expect(reminderOwed(open(DUE, { before: '2026-12-19T00:05:00Z', onDay: '2026-12-20T08:00:00Z' }), now('2026-12-20T20:00:00Z'))).toBeNull();
  });

  it('never two on one day, and none late: a missed day-before reminder is not sent on the day or after', () => {
    // The day-before reminder went out late in the evening: the day's reminder still waits for the due day.
    expect(reminderOwed(open(DUE, { before: '2026-12-19T23:58:00Z' }), now('2026-12-19T23:59:00Z'))).toBeNull();
    // Down all of the day before: only the day's reminder.
    expect(reminderOwed(open(DUE), now('2026-12-20T09:00:00Z'))).toBe('onDay');
    // After the due day: nothing (the App Home shows it overdue).
    expect(reminderOwed(open(DUE), now('2026-12-21T09:00:00Z'))).toBeNull();
  });

  it('nothing for a done assignment or one without a due date', () => {
    expect(reminderOwed({ ...open(DUE), completedAt: at('2026-12-18T00:00:00Z') }, now('2026-12-19T09:00:00Z'))).toBeNull();
    expect(reminderOwed({ ...open(DUE), dueAt: null }, now('2026-12-19T09:00:00Z'))).toBeNull();
  });
});
