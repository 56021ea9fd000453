import type { AssignmentRecord, ReminderKind } from '../../store';
import { utcDay } from './due-date';

/**
 * Which reminder an open assignment is owed at `now`, if any: one on the day before its due day, one on the due day
 * itself (days in UTC, like due dates). A reminder missed (the bot was down the day before) is not sent late, and
 * never two on one day: an assignment made on its due day gets only the day's reminder, and the day-before reminder
 * sent today holds the day's back until tomorrow.
 */
export function reminderOwed(a: Pick<AssignmentRecord, 'dueAt' | 'completedAt' | 'remindedBeforeAt' | 'remindedOnDayAt'>, now: number): ReminderKind | null {
  if (!a.dueAt || a.completedAt) return null;
  const today = utcDay(now);
  const dueDay = utcDay(a.dueAt.getTime());
  const sentToday = [a.remindedBeforeAt, a.remindedOnDayAt].some((d) => d && utcDay(d.getTime()) === today);
  if (sentToday) return null;
  if (today === dueDay - 86_400_000 && !a.remindedBeforeAt) return 'before';
  if (today === dueDay && !a.remindedOnDayAt) return 'onDay';
  return null;
}
