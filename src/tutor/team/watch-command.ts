import type { Logger } from '../../logger';
import type { LearnerStore } from '../../store';
import type { AdminDirectory } from '../admins';
import { userToken, type Reply } from '../reply';

export interface WatchDeps {
  admins: Pick<AdminDirectory, 'refusal'>;
  learners: Pick<LearnerStore, 'find'>;
  /**
   * A single-use link to the learner's playground, read-only, for the admin who asked; left out when the
   * operator has not enabled admin viewing (PLAYGROUND_ADMIN_VIEW) or the playground is off.
   */
  watchLinkFor?: (learner: { teamId: string; userId: string }, adminUserId: string) => string;
  log: Logger;
}

const USAGE = "Usage: `/tutor watch <member ID>` (in the learner's Slack profile: ⋮ → Copy member ID), e.g. `/tutor watch U0123ABCD`.";
/** A member id as typed or as Slack encodes a mention: `U0123ABC`, `@U0123ABC`, `<@U0123ABC>`, `<@U0123ABC|ada>`. */
const MEMBER_ID = /^<?@?([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>?$/;

/**
 * `/tutor watch <learner>` (admins, when the operator enabled it): a link, answered to the admin alone, to watch
 * a learner's playground terminal read-only. It is bound to the caller's workspace, the admin and the learner:
 * an admin of one workspace can never watch a learner of another, and nothing the admin types reaches the shell.
 */
export class WatchCommand {
  constructor(private readonly deps: WatchDeps) {}

  async run(ref: { teamId: string; userId: string }, arg: string): Promise<Reply> {
    if (!this.deps.watchLinkFor) return { text: "Watching a learner's playground is not enabled on this Dockhand (an operator sets `PLAYGROUND_ADMIN_VIEW=true` with `WEB_PORT`)." };
    const refused = await this.deps.admins.refusal(ref, "Sorry, only Dockhand admins can watch a learner's playground.");
    if (refused) return refused;
    const id = MEMBER_ID.exec(arg.trim())?.[1];
    if (!id) return { text: USAGE };
    if (id === ref.userId) return { text: 'That is you: type `playground` in your DM with Dockhand for your own playground.' };
    if (!(await this.deps.learners.find(ref.teamId, id))) return { text: `${userToken(id)} has not used Dockhand in this workspace, so there is no playground to watch.` };
    const url = this.deps.watchLinkFor({ teamId: ref.teamId, userId: id }, ref.userId);
    this.deps.log.info({ teamId: ref.teamId, admin: ref.userId, learner: id }, 'an admin asked to watch a playground');
    return {
      text: `Watch ${userToken(id)}'s playground (read-only): ${url}`,
      sections: [`:eyes: ${userToken(id)}'s playground terminal, read-only: ${url}`],
      context: 'The link is yours alone, works once and expires in 10 minutes. You see the terminal and the step; you cannot type, check, hint or change files.',
      noUnfurl: true,
    };
  }
}
