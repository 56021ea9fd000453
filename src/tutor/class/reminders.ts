import { systemClock, type Clock } from '../../kit';
import type { AssignmentRecord } from '../../store';
import type { ClassDeps } from './class-deps';
import { dueText, utcDay } from './due-date';
import { reminderOwed } from './reminder-schedule';

/** How often open assignments are looked at: a reminder goes out within this long of its day starting. */
export const REMINDER_CHECK_EVERY_MS = 15 * 60_000;

/**
 * Sends due-date reminders in the learner's DM: the day before and on the day, unless the lesson is done. Each
 * reminder is claimed in the store before it is sent (its sent time kept), so a restart, a second process or a
 * tick that overlaps another never sends it twice; a DM that fails after the claim is not retried (a missed
 * reminder is better than a repeated one).
 */
export class AssignmentReminders {
  private timer: unknown;
  private running?: Promise<number>;
  private stopped = true;

  constructor(
    private readonly deps: Pick<ClassDeps, 'store' | 'catalog' | 'dmFor' | 'log'>,
    private readonly clock: Clock = systemClock,
    private readonly everyMs = REMINDER_CHECK_EVERY_MS,
  ) {}

  /** Looks at once, then every `everyMs` until stop(). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass: sends the reminders owed now; returns how many were sent. */
  tick(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.tick()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'assignment reminders failed; trying again later'))
        .finally(() => this.schedule(this.everyMs));
    }, ms);
    // A pending look must not keep the process alive at shutdown.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  private async pass(): Promise<number> {
    const now = this.clock.now();
    // Due by the end of tomorrow: the only ones a reminder can be owed to today.
    const open = await this.deps.store.openDueBefore(new Date(utcDay(now) + 2 * 86_400_000));
    let sent = 0;
    for (const a of open) {
      if (this.stopped) break;
      const kind = reminderOwed(a, now);
      if (!kind || !(await this.deps.store.claimReminder(a.id, kind, new Date(now)))) continue;
      if (await this.send(a, kind === 'before' ? 'tomorrow' : 'today')) sent += 1;
    }
    return sent;
  }

  private async send(a: AssignmentRecord, when: 'today' | 'tomorrow'): Promise<boolean> {
    const lesson = this.deps.catalog.get(a.lessonId);
    if (!lesson || !a.dueAt) return false;
    const text = `Reminder: *${lesson.title}* is due ${when} (${dueText(a.dueAt)}).`;
    try {
      const dm = await this.deps.dmFor(a.teamId, a.userId);
      await dm.say({ text, sections: [`:alarm_clock: ${text}`], buttons: [{ label: `Open ${lesson.title}`, actionId: `tutor:start:${lesson.id}`, value: lesson.id, style: 'primary' }] });
      this.deps.log.info({ assignmentId: a.id, when }, 'assignment reminder sent');
      return true;
    } catch (err) {
      this.deps.log.warn({ err, assignmentId: a.id }, 'could not send an assignment reminder');
      return false;
    }
  }
}
