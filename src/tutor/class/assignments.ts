import { distance } from 'fastest-levenshtein';
import type { Lesson } from '../../lessons';
import { userToken, type Reply } from '../reply';
import { isTargetWord, resolveTargets } from './assign-targets';
import type { ClassDeps, CommandPlace } from './class-deps';
import { DUE_DATE_FORMS, dueText, parseDueDate } from './due-date';

export const ASSIGN_USAGE = `\`/tutor assign <lesson> @someone|#channel|here [by DATE]\` (admins). DATE: ${DUE_DATE_FORMS}.`;

/** One assignment as the learner's App Home shows it. */
export interface AssignedItem {
  lessonId: string;
  title: string;
  dueAt: Date | null;
  overdue: boolean;
  /** The learner has begun the lesson: the button says Resume. */
  started: boolean;
}

/** `/tutor assign`: admins give lessons to people or a channel's members, with an optional due date. */
export class Assignments {
  constructor(private readonly deps: ClassDeps) {}

  async command(place: CommandPlace, args: string): Promise<Reply> {
    if (!(await this.deps.isAdmin(place.teamId, place.userId))) return { text: 'Only Dockhand admins can assign lessons. Ask one of them if your team needs one.' };
    const words = args.trim().split(/\s+/).filter(Boolean);
    const byAt = words.findIndex((w) => w.toLowerCase() === 'by');
    const dueWords = byAt >= 0 ? words.slice(byAt + 1).join(' ') : '';
    const head = byAt >= 0 ? words.slice(0, byAt) : words;
    const firstTarget = head.findIndex(isTargetWord);
    if (firstTarget <= 0) return { text: `Name a lesson, then who it is for. ${ASSIGN_USAGE}` };
    const lessonText = head.slice(0, firstTarget).join(' ');
    const lesson = this.findLesson(lessonText);
    if (!lesson) return { text: `I don't know a lesson called "${lessonText.slice(0, 60)}". ${this.closest(lessonText)}` };
    let dueAt: Date | null = null;
    if (byAt >= 0) {
      const due = parseDueDate(dueWords, this.deps.now());
      if (!due.ok) return { text: due.reason };
      dueAt = due.dueAt;
    }
    const targets = await resolveTargets(this.deps, place, head.slice(firstTarget));
    if (!targets.ok) return { text: targets.reason };
    const userIds = targets.userIds.filter((u) => u !== place.userId || targets.channels === 0);
    if (!userIds.length) return { text: 'Nobody to assign it to: that channel has no members besides you and me.' };

    let fresh = 0;
    let updated = 0;
    let unchanged = 0;
    for (const userId of userIds) {
      const { created, dueChanged } = await this.deps.store.assign({ teamId: place.teamId, lessonId: lesson.id, userId, assignedBy: place.userId, dueAt });
      if (created) fresh += 1;
      else if (dueChanged) updated += 1;
      else unchanged += 1;
      // A repeat with the same due date says nothing to the learner: no DM twice for one assignment.
      if (created || dueChanged) await this.tell(place, userId, lesson, dueAt, created);
    }
    this.deps.log.info({ lessonId: lesson.id, by: place.userId, fresh, updated, unchanged }, 'lesson assigned');
    const due = dueAt ? `, due ${dueText(dueAt)}` : '';
    const parts = [fresh && `${fresh} newly assigned`, updated && `${updated} with a new due date`, unchanged && `${unchanged} already had it`].filter(Boolean).join(', ');
    return { text: `*${lesson.title}*${due}: ${parts}. They get a DM with a Start button${dueAt ? ', and a reminder the day before and on the day' : ''}.` };
  }

  /** The learner's open assignments for their App Home, soonest due first; done ones drop off. */
  async assignedTo(teamId: string, userId: string): Promise<AssignedItem[]> {
    const open = (await this.deps.store.assignmentsOf(teamId, userId)).filter((a) => !a.completedAt);
    if (!open.length) return [];
    const learner = await this.deps.learners.find(teamId, userId);
    const started = new Set(learner ? (await this.deps.tutorStore.summaries(learner.id)).map((s) => s.lessonId) : []);
    const now = this.deps.now();
    return open.flatMap((a) => {
      const lesson = this.deps.catalog.get(a.lessonId);
      // A lesson taken out of the catalog since: nothing to start, so nothing to show.
      return lesson ? [{ lessonId: a.lessonId, title: lesson.title, dueAt: a.dueAt, overdue: !!a.dueAt && a.dueAt.getTime() < now, started: started.has(a.lessonId) }] : [];
    });
  }

  private async tell(place: CommandPlace, userId: string, lesson: Lesson, dueAt: Date | null, created: boolean): Promise<void> {
    const due = dueAt ? `, due ${dueText(dueAt)}` : '';
    const text = created ? `${userToken(place.userId)} assigned you *${lesson.title}*${due}.` : `${userToken(place.userId)} changed the due date of *${lesson.title}*${dueAt ? ` to ${dueText(dueAt)}` : ': there is none now'}.`;
    try {
      const dm = await this.deps.dmFor(place.teamId, userId);
      await dm.say({ text, sections: [text, `${lesson.summary}`], buttons: [{ label: `Start ${lesson.title}`, actionId: `tutor:start:${lesson.id}`, value: lesson.id, style: 'primary' }] });
    } catch (err) {
      // The assignment stands: it shows in their App Home and the reminders still come.
      this.deps.log.warn({ err, userId }, 'could not DM an assignment');
    }
  }

  private findLesson(text: string): Lesson | undefined {
    const wanted = text.toLowerCase();
    const all = this.deps.catalog.list();
    return this.deps.catalog.get(wanted) ?? (/^\d+$/.test(wanted) ? this.deps.catalog.list('lesson')[Number(wanted) - 1] : undefined) ?? all.find((l) => l.title.toLowerCase() === wanted);
  }

  /** The three lessons nearest by name (id or title), for a typo. */
  private closest(text: string): string {
    const wanted = text.toLowerCase();
    const scored = this.deps.catalog.list().map((l) => ({ l, d: Math.min(distance(wanted, l.id), distance(wanted, l.title.toLowerCase()), l.id.includes(wanted) || l.title.toLowerCase().includes(wanted) ? 0 : Infinity) }));
    const near = scored.sort((a, b) => a.d - b.d).slice(0, 3).map(({ l }) => `\`${l.id}\` (${l.title})`);
    return `Closest: ${near.join(', ')}.`;
  }
}
