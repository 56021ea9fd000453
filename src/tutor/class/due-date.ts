/**
 * Due dates as an admin types them after `by`. Dates are whole days in UTC (the bot has no single time zone for a
 * class): an assignment is due at the end of that day, 23:59 UTC. Understood:
 * - `2026-12-20` (ISO date)
 * - `today`, `tomorrow`
 * - a weekday (`friday`, `fri`): the next one, today included
 * - `in 3 days`, `in 2 weeks`
 * Anything else, a day already past, or one more than a year ahead is refused with a line saying what works.
 */
export type DueParse = { ok: true; dueAt: Date } | { ok: false; reason: string };

export const DUE_DATE_FORMS = '`by 2026-12-20`, `by today`, `by tomorrow`, `by friday`, `by in 3 days` or `by in 2 weeks`';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The start (00:00 UTC) of the day holding `t`. */
export const utcDay = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;
/** The end of that day: when an assignment due that day is due. */
const endOfDay = (dayStart: number) => new Date(dayStart + DAY_MS - 60_000);
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

export function parseDueDate(text: string, now: number): DueParse {
  const raw = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const today = utcDay(now);
  let day: number | undefined;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (iso) {
    const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    const t = Date.UTC(y, m - 1, d);
    // Date.UTC rolls 2026-02-31 over to March: a date that does not exist is refused, not moved.
    if (new Date(t).getUTCMonth() !== m - 1 || new Date(t).getUTCDate() !== d) return { ok: false, reason: `${iso[0]} is not a date on the calendar.` };
    day = t;
  } else if (raw === 'today') day = today;
  else if (raw === 'tomorrow') day = today + DAY_MS;
  else {
    const wd = WEEKDAYS.findIndex((w) => w === raw || (raw.length >= 3 && w.startsWith(raw)));
    const rel = /^in (\d{1,3}) (day|days|week|weeks)$/.exec(raw);
    if (wd >= 0) day = today + (((wd - new Date(today).getUTCDay()) + 7) % 7) * DAY_MS;
    else if (rel) day = today + Number(rel[1]) * (rel[2]!.startsWith('week') ? 7 : 1) * DAY_MS;
  }
  if (day === undefined) return { ok: false, reason: `I could not read "${text.trim().slice(0, 40)}" as a date. Write it as ${DUE_DATE_FORMS}.` };
  if (day < today) return { ok: false, reason: `${isoDay(new Date(day))} has already passed. Pick today or a later day.` };
  if (day > today + 366 * DAY_MS) return { ok: false, reason: `${isoDay(new Date(day))} is more than a year away. Pick a nearer day.` };
  return { ok: true, dueAt: endOfDay(day) };
}

/** A due date as people read it: `Sun 20 Dec 2026` (the day in UTC; due by its end). */
export const dueText = (d: Date): string => d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
