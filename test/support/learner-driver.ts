import type { RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import type { TestBot } from './start-test-bot';

const FINAL = /: (exit|stopped|interrupted|waiting)/;

/** Drives one learner's DM through the stand-in and reads the bot's answers off the recorded Web API calls. */
export class LearnerDriver {
  constructor(
    readonly t: TestBot,
    readonly user: string,
  ) {}

  get channel(): string {
    return this.t.standIn.dmChannelFor(this.user);
  }

  get mark(): number {
    return this.t.standIn.calls.length;
  }

  private after(since: number, c: RecordedCall): boolean {
    return this.t.standIn.calls.indexOf(c) >= since;
  }

  /** The learner's row in the database. */
  row() {
    return this.t.bot.db.prisma.learner.findUniqueOrThrow({ where: { teamId_userId: { teamId: this.t.teamId, userId: this.user } } });
  }

  async say(text: string, opts: { eventId?: string; retryAttempt?: number } = {}): Promise<void> {
    await this.t.standIn.sendDirectMessage(this.user, text, opts);
  }

  /** The next message posted to this learner after `since` whose text matches. */
  waitForPost(pattern: RegExp, since: number, timeoutMs = 30000): Promise<RecordedCall> {
    return this.t.standIn.waitForCall('chat.postMessage', (c) => this.after(since, c) && c.args.channel === this.channel && pattern.test(String(c.args.text)), timeoutMs);
  }

  /**
   * Sends `$ command` and resolves with its final state: the one message of a quick command, or the
   * last edit of a long one's live message.
   */
  async run(command: string, timeoutMs = 90000): Promise<{ post: RecordedCall; final: RecordedCall; since: number }> {
    const since = this.mark;
    await this.say(`$ ${command}`);
    return { ...(await this.outputOf(since, timeoutMs)), since };
  }

  /** The next command output message after `since`, and its final state. */
  async outputOf(since: number, timeoutMs = 90000): Promise<{ post: RecordedCall; final: RecordedCall }> {
    const isFinal = (c: RecordedCall) => FINAL.test(String(c.args.text));
    const post = await this.waitForPost(/^\$ .*(\(running\)|: (exit|stopped|interrupted|waiting))/s, since, timeoutMs);
    if (isFinal(post)) return { post, final: post };
    const final = await this.t.standIn.waitForCall('chat.update', (c) => this.after(since, c) && c.args.ts === post.response.ts && isFinal(c), timeoutMs);
    return { post, final };
  }

  /** The text of every block of a recorded message, joined. */
  static blocksText(c: RecordedCall): string {
    return JSON.stringify(c.args.blocks ?? '');
  }

  /** Clicks a button of a message the bot posted. */
  async click(message: RecordedCall, actionId: string): Promise<number> {
    const since = this.mark;
    const blocks = (message.args.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[]; accessory?: { action_id?: string; value?: string } }[];
    const button = blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).find((e) => e.action_id === actionId);
    if (!button) throw new Error(`no ${actionId} button on that message`);
    await this.t.standIn.clickButton(this.user, { channel: this.channel, ts: String(message.response.ts), blocks: message.args.blocks }, { action_id: actionId, value: button.value });
    return since;
  }
}
