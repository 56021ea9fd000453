import type { LearnerStore, TeamStore } from '../../store';
import type { Reply } from '../reply';
import { HELP_TEXT } from '../views';

/**
 * The welcome for someone opening the bot's Messages tab for the first time: once per user (stored), and never
 * for someone who already talked to the bot (they had the first-message welcome).
 */
export class MessagesWelcome {
  constructor(private readonly deps: { store: Pick<TeamStore, 'claimWelcome'>; learners: Pick<LearnerStore, 'find'> }) {}

  /** The welcome to post, or undefined when this user was welcomed or already knows the bot. */
  async opened(ref: { teamId: string; userId: string }): Promise<Reply | undefined> {
    const first = await this.deps.store.claimWelcome(ref.teamId, ref.userId);
    if (!first || (await this.deps.learners.find(ref.teamId, ref.userId))) return undefined;
    return {
      text: 'Welcome to Dockhand!',
      sections: ["*Welcome to Dockhand!* I teach Docker in a sandbox that is yours alone: every command you send me runs there, and I check each step.", HELP_TEXT],
      buttons: [{ label: 'Show the lessons', actionId: 'tutor:lessons', value: 'lessons', style: 'primary' }],
    };
  }
}
