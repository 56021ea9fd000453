import { userToken, type Reply } from '../reply';
import type { ClassDeps } from './class-deps';
import { stuckForMs } from './stuck';

/** Learners inside a lesson and seen within this long are "in class". */
export const CLASS_ACTIVE_MS = 60 * 60_000;
/** An admin who opened their App Home within this long gets it refreshed when learners progress. */
const WATCH_MS = 60 * 60_000;
/** Rows on the Home tab (100 blocks in all): stuck learners first, then the most recently active. */
const MAX_ROWS = 25;

export interface ClassViewRow {
  userId: string;
  lessonTitle: string;
  stepNumber: number;
  stepCount: number;
  stepTitle: string;
  /** Minutes stuck on this step (see stuck.ts), or null. */
  stuckMinutes: number | null;
}

export interface ClassViewData {
  rows: ClassViewRow[];
  /** Learners in class beyond the rows shown. */
  more: number;
  stuckAfterMinutes: number;
}

export interface ClassViewDeps extends ClassDeps {
  stuckMs: number;
  /** Sends the learner the next hint of their current step, as their own Hint button does; false when they are in no lesson. */
  hint(teamId: string, userId: string, from: string): Promise<boolean>;
}

/**
 * The live class view on an admin's App Home: who is on which step of which lesson, who is stuck, and a button
 * that sends a stuck learner their next hint. Shown to every admin, always (a class needs no set-up to be
 * watched); it lists learners in a lesson and active in the last hour, so outside a workshop it is short.
 */
export class ClassView {
  /** Admins watching, per team: their Home is republished (throttled) when a learner progresses. */
  private readonly watchers = new Map<string, Map<string, number>>();

  constructor(private readonly deps: ClassViewDeps) {}

  /** The class view for an admin's Home, or undefined for anyone else. */
  async forHome(teamId: string, userId: string): Promise<ClassViewData | undefined> {
    if (!(await this.deps.isAdmin(teamId, userId))) return undefined;
    const now = this.deps.now();
    const team = this.watchers.get(teamId) ?? new Map<string, number>();
    team.set(userId, now);
    this.watchers.set(teamId, team);
    const learners = await this.deps.store.classLearners(teamId, new Date(now - CLASS_ACTIVE_MS));
    const rows = learners.flatMap((r): ClassViewRow[] => {
      const lesson = this.deps.catalog.get(r.lessonId);
      const index = lesson?.steps.findIndex((s) => s.id === r.stepId) ?? -1;
      if (!lesson || index < 0) return [];
      const stuck = stuckForMs(r, now, this.deps.stuckMs);
      return [{ userId: r.userId, lessonTitle: lesson.title, stepNumber: index + 1, stepCount: lesson.steps.length, stepTitle: lesson.steps[index]!.title, stuckMinutes: stuck === null ? null : Math.floor(stuck / 60_000) }];
    });
    // Stuck first (longest first); the rest keep the store's order, most recently seen first.
    rows.sort((a, b) => (b.stuckMinutes ?? -1) - (a.stuckMinutes ?? -1));
    return { rows: rows.slice(0, MAX_ROWS), more: Math.max(0, rows.length - MAX_ROWS), stuckAfterMinutes: Math.round(this.deps.stuckMs / 60_000) };
  }

  /** Admins of the team who looked at the class view lately (the ones to refresh). */
  watchersOf(teamId: string): string[] {
    const team = this.watchers.get(teamId);
    if (!team) return [];
    const since = this.deps.now() - WATCH_MS;
    for (const [user, at] of team) if (at < since) team.delete(user);
    return [...team.keys()];
  }

  /** The "Send a hint" button: admins only, for a learner of the same workspace who is in a lesson. */
  async sendHint(teamId: string, adminUserId: string, learnerUserId: string): Promise<Reply> {
    if (!(await this.deps.isAdmin(teamId, adminUserId))) return { text: 'Only Dockhand admins can send hints to other learners.' };
    if (!/^[UW][A-Z0-9]+$/.test(learnerUserId)) return { text: 'That button is not for a learner I know.' };
    const sent = await this.deps.hint(teamId, learnerUserId, adminUserId);
    this.deps.log.info({ by: adminUserId, learner: learnerUserId, sent }, 'hint sent from the class view');
    return sent ? { text: `I sent ${userToken(learnerUserId)} the next hint of their step.` } : { text: `${userToken(learnerUserId)} is not in a lesson any more: no hint sent.` };
  }
}
