import type { LearnerActivity, TeamStore } from '../../store';
import type { AdminDirectory } from '../admins';
import { channelToken, type Reply } from '../reply';

/** Gaps between a learner's events shorter than this count as time spent; a longer gap is a break. */
export const ACTIVE_GAP_MS = 10 * 60_000;

/**
 * Time spent: the sum of the gaps between a learner's consecutive events (a lesson or step started or done, a
 * command sent or finished) that are shorter than ACTIVE_GAP_MS. A break of 10 minutes or more adds nothing, so
 * a learner who leaves a lesson open overnight is not credited with the night.
 */
export function timeSpentMs(times: readonly Date[], maxGapMs = ACTIVE_GAP_MS): number {
  const sorted = times.map((t) => t.getTime()).sort((a, b) => a - b);
  let total = 0;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap < maxGapMs) total += gap;
  }
  return total;
}

export const REPORT_COLUMNS = ['learner', 'slack_user_id', 'lessons_done', 'steps_done', 'time_spent_minutes', 'last_seen_utc'] as const;

/**
 * One CSV field (RFC 4180). A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR: a display
 * name is the learner's own text) is prefixed with `'`, so opening the report never runs what a learner typed.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report's rows, most recently seen first. */
export function reportRows(activity: readonly LearnerActivity[]): (string | number)[][] {
  return activity
    .map((a) => {
      const last = Math.max(a.lastSeenAt.getTime(), ...a.eventTimes.map((t) => t.getTime()));
      return { a, last };
    })
    .sort((x, y) => y.last - x.last)
    .map(({ a, last }) => [a.displayName ?? a.userId, a.userId, a.lessonsCompleted, a.stepsCompleted, Math.round(timeSpentMs(a.eventTimes) / 60_000), new Date(last).toISOString()]);
}

export function toCsv(activity: readonly LearnerActivity[]): string {
  return [REPORT_COLUMNS as readonly (string | number)[], ...reportRows(activity)].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Who the report is about: the whole workspace, or the members of one channel. */
export type ReportScope = { kind: 'workspace' } | { kind: 'channel'; channelId: string; memberIds: readonly string[] };

export type ReportOutcome = { kind: 'answer'; reply: Reply } | { kind: 'file'; filename: string; csv: string; learners: number; reply: Reply };

/** `/tutor report`: a CSV of the class's progress for an admin. */
export class ClassReport {
  constructor(private readonly deps: { store: Pick<TeamStore, 'activity'>; admins: AdminDirectory; now?: () => Date }) {}

  /** Undefined for an admin; otherwise the refusal to show. */
  refusal(ref: { teamId: string; userId: string }): Promise<Reply | undefined> {
    return this.deps.admins.refusal(ref, 'Sorry, only Dockhand admins can see the class report. Your own progress is in `/tutor progress`.');
  }

  async report(ref: { teamId: string; userId: string }, scope: ReportScope): Promise<ReportOutcome> {
    const refused = await this.refusal(ref);
    if (refused) return { kind: 'answer', reply: refused };
    const where = scope.kind === 'channel' ? `in ${channelToken(scope.channelId)}` : 'in this workspace';
    const activity = await this.deps.store.activity(ref.teamId, scope.kind === 'channel' ? scope.memberIds : undefined);
    if (!activity.length) return { kind: 'answer', reply: { text: `Nobody ${where} has started yet: no lesson begun, no command run. Learners start by sending me a direct message, or with \`/tutor start\`.` } };
    const day = (this.deps.now?.() ?? new Date()).toISOString().slice(0, 10);
    const filename = `dockhand-report-${scope.kind === 'channel' ? scope.channelId : 'workspace'}-${day}.csv`;
    const n = activity.length;
    return { kind: 'file', filename, csv: toCsv(activity), learners: n, reply: { text: `The class report ${where}: ${n} learner${n === 1 ? '' : 's'}, sent to you in our direct message.` } };
  }
}
