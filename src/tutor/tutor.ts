import type { Logger } from '../logger';
import type { LearnerStore } from '../store/types';
import { cleanText, MAX_MESSAGE_CHARS } from './clean-text';
import type { Reply } from './reply';

export interface DirectMessage {
  teamId: string;
  userId: string;
  text: string;
  /** Looked up only on first contact. */
  displayName?: () => Promise<string | undefined>;
}

export const HELP_TEXT = [
  "*I'm Dockhand: I teach Docker in a private sandbox that is yours alone.*",
  '• `lessons`: the course, from your first `docker run` to publishing images',
  '• `start <lesson>`: begin or continue a lesson; `next`, `hint`, `check`, `solution` move you through it',
  '• `$ <command>`: run a shell command in your sandbox (e.g. `$ docker ps`); a message that is only `code` works too',
  '• `progress`: what you have done so far; `reset`: a fresh sandbox; `stop`: pause the lesson',
  '• `help`: this list',
].join('\n');

/** The conversation with one learner. It knows nothing about Slack: messages in, Replies out. */
export class Tutor {
  constructor(private readonly deps: { learners: LearnerStore; log: Logger }) {}

  async onDirectMessage(msg: DirectMessage, log: Logger = this.deps.log): Promise<Reply> {
    let firstContact = false;
    if (!(await this.deps.learners.find(msg.teamId, msg.userId))) {
      const name = await msg.displayName?.().catch(() => undefined);
      firstContact = (await this.deps.learners.ensureLearner(msg.teamId, msg.userId, name)).created;
      if (firstContact) log.info({ teamId: msg.teamId, userId: msg.userId }, 'new learner');
    }

    if (msg.text.length > MAX_MESSAGE_CHARS) {
      return {
        text: `That message is ${msg.text.length.toLocaleString('en-US')} characters long; I read at most ${MAX_MESSAGE_CHARS.toLocaleString('en-US')}. Send a shorter one, or \`help\` to see what I can do.`,
      };
    }
    const text = cleanText(msg.text).trim();
    const word = text.toLowerCase();

    if (word === 'help' || word === '?' || word === '/help') return { text: 'Here is what I can do.', sections: [HELP_TEXT] };
    if (firstContact) {
      return { text: 'Welcome to Dockhand!', sections: ["Welcome! I'm new here too, so let's learn Docker together.", HELP_TEXT] };
    }
    if (!text) return { text: "I couldn't read any text in that message. Type `help` to see what I can do." };
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    return { text: `I don't know "${shown}" yet. Type \`help\` to see what I can do.` };
  }
}
