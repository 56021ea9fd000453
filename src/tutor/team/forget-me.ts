import type { Logger } from '../../logger';
import type { ChallengeRecord, ChallengeStore, LearnerStore, TeamStore } from '../../store';
import { learnerKeyOf } from '../learner-key';
import type { Reply } from '../reply';
import type { TutorSandboxes } from '../tutor-deps';

export const FORGET_CONFIRM = 'team:forget:confirm';
export const FORGET_CANCEL = 'team:forget:cancel';

export interface ForgetMeDeps {
  store: Pick<TeamStore, 'forget'>;
  learners: Pick<LearnerStore, 'find'>;
  challenges: Pick<ChallengeStore, 'activeEntry'>;
  sandboxes: Pick<TutorSandboxes, 'reset'>;
  /** Re-renders a running challenge's card and leaderboard once an entry is gone. */
  refreshBoard?: (challenge: ChallengeRecord) => Promise<void>;
  log: Logger;
}

const USAGE = '`/tutor forget me` deletes everything I keep about you: your progress, your commands, your challenge entries and your sandbox.';

/**
 * `/tutor forget me`: a learner deletes their own data, after confirming. Only the caller's own data can go:
 * the confirmation acts on whoever presses it, never on an id carried in the button.
 */
export class ForgetMe {
  constructor(private readonly deps: ForgetMeDeps) {}

  /** The confirmation, with its two buttons. `args` must be `me`. */
  ask(args: string): Reply {
    if (args.trim().toLowerCase() !== 'me') return { text: USAGE };
    return {
      text: 'Delete everything Dockhand keeps about you?',
      sections: [
        '*Delete everything Dockhand keeps about you?*',
        'Your lesson progress, the commands you ran, your challenge entries (a running challenge drops you from its leaderboard) and your sandbox with everything in it go for good. This cannot be undone.',
      ],
      buttons: [
        { label: 'Delete my data', actionId: FORGET_CONFIRM, value: 'me', style: 'danger', accessibilityLabel: 'Delete all my Dockhand data for good' },
        { label: 'Keep it', actionId: FORGET_CANCEL, value: 'me', accessibilityLabel: 'Keep my Dockhand data' },
      ],
    };
  }

  cancelled(): Reply {
    return { text: 'Nothing was deleted. Your progress and your sandbox are as they were.' };
  }

  /** The confirmed deletion, for the user who pressed the button. */
  async confirm(ref: { teamId: string; userId: string }): Promise<Reply> {
    const { deps } = this;
    const learner = await deps.learners.find(ref.teamId, ref.userId);
    const racing = learner ? await deps.challenges.activeEntry(learner.id) : null;
    // The sandbox first: a command still running in it stops, and nothing new is recorded against the learner.
    const sandboxGone = await deps.sandboxes
      .reset(learnerKeyOf(ref))
      .then(() => true)
      .catch((err: unknown) => (deps.log.warn({ err }, 'forget me: the sandbox could not be removed now; the idle reaper removes it'), false));
    const counts = await deps.store.forget(ref.teamId, ref.userId);
    // Counts only: the log line says what went, never whose it was.
    deps.log.info({ ...(counts ?? {}), sandboxRemoved: sandboxGone, withdrawnFromChallenge: racing !== null }, 'a learner deleted their data');
    if (racing) await deps.refreshBoard?.(racing.challenge).catch((err: unknown) => deps.log.warn({ err, challengeId: racing.challenge.id }, 'forget me: the leaderboard was not refreshed'));
    if (!counts) return { text: 'I had nothing stored about you. Your data is gone, if there was any.' };
    const sandbox = sandboxGone ? 'your sandbox is removed' : 'your sandbox is removed within the idle time';
    return {
      text: `Done: I deleted your progress (${counts.lessons} lesson${counts.lessons === 1 ? '' : 's'}), your command history, your challenge entries, and ${sandbox}.${racing ? ' You were withdrawn from the running challenge.' : ''} If you message me again, you start fresh.`,
    };
  }
}
