import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { blocksToText, type TextButton } from './blocks-to-text';
import type { RecordedCall, SlackStandIn } from './slack-stand-in';

export const LOCAL_USER = 'U0LEARNER';

export const BANNER = `
Dockhand local mode: you are a learner chatting with the bot in a direct message.
Type \`help\` to start; pick a button by typing its number; Ctrl-C quits.
To connect a real Slack workspace instead, create the app from slack-app-manifest.yaml and set
SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...), then run npm start again (see README).
Sandboxes use SANDBOX_PROFILE (default userns: needs dockerd --userns-remap=default). Without it, restart
dockerd with --userns-remap=default (README, Operators). Only on a throw-away test machine, where learners
may be root on the host: SANDBOX_PROFILE=test-host-cgroup SANDBOX_ALLOW_TEST_HOST_CGROUP=true npm start.
`;

/** A terminal chat: each line typed becomes a `message.im` event; bot messages print as text. */
export class LocalChat {
  private rl?: readline.Interface;
  private buttons: { button: TextButton; message: { channel: string; ts: string; blocks?: unknown } }[] = [];
  private readonly channel: string;
  private readonly onCall = (call: RecordedCall) => this.show(call);
  // Lines are sent one after another, in the order typed.
  private queue: Promise<void> = Promise.resolve();
  private lastOutputAt = Date.now();

  constructor(
    private readonly opts: { standIn: SlackStandIn; input: Readable; output: Writable; onQuit: () => void; userId?: string; busy?: () => boolean },
  ) {
    this.channel = opts.standIn.dmChannelFor(this.user);
  }

  private get user(): string {
    return this.opts.userId ?? LOCAL_USER;
  }

  start(): void {
    this.opts.output.write(BANNER + '\n');
    this.opts.standIn.on('call', this.onCall);
    this.rl = readline.createInterface({ input: this.opts.input, output: this.opts.output, prompt: 'you> ', terminal: this.interactive });
    this.rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.onLine(line));
    });
    this.rl.on('SIGINT', () => this.opts.onQuit());
    // Piped input (a script, a test) ends before the answers arrive: wait for them before quitting.
    this.rl.on('close', () => {
      this.queue
        .then(() => this.settle(1500, 120000))
        .then(() => this.opts.onQuit())
        .catch(() => this.opts.onQuit());
    });
    this.rl.prompt();
  }

  stop(): void {
    this.opts.standIn.off('call', this.onCall);
    this.rl?.removeAllListeners('close');
    this.rl?.close();
  }

  /** Waits until the bot has been quiet for `quietMs` and runs no command (a first pull can take seconds without output). */
  private async settle(quietMs = 1500, maxMs = 30000): Promise<void> {
    const start = Date.now();
    const waiting = () => Date.now() - this.lastOutputAt < quietMs || this.opts.busy?.() === true;
    while (waiting() && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 100));
  }

  private async onLine(line: string): Promise<void> {
    const text = line.trim();
    if (!text) return this.rl?.prompt();
    const pick = /^\d+$/.test(text) ? this.buttons[Number(text) - 1] : undefined;
    try {
      if (pick) await this.opts.standIn.clickButton(this.user, pick.message, { action_id: pick.button.actionId, value: pick.button.value, block_id: pick.button.blockId });
      else await this.opts.standIn.sendDirectMessage(this.user, line);
      this.lastOutputAt = Date.now();
      // A script typing ahead would pick buttons before they are shown: let each answer arrive first.
      if (!this.interactive) await this.settle(800, 30000);
    } catch (err) {
      this.print(`(the bot did not take that message: ${(err as Error).message})`);
    }
  }

  private show(call: RecordedCall): void {
    const a = call.args;
    if (call.status !== 200 || call.response.ok !== true) return;
    if (call.method === 'files.completeUploadExternal') {
      this.print(`(the bot attached a snippet: ${(a.files as { title?: string }[] | undefined)?.map((f) => f.title).join(', ')})`);
      return;
    }
    if (!['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(call.method)) return;
    if (a.channel !== this.channel) return;
    const ts = String(call.method === 'chat.update' ? a.ts : (call.response.ts ?? call.response.message_ts));
    const { text, buttons } = blocksToText(a.blocks, String(a.text ?? ''));
    if (buttons.length) this.buttons = buttons.map((button) => ({ button, message: { channel: this.channel, ts, blocks: a.blocks } }));
    this.print(`${call.method === 'chat.update' ? '(updated) ' : ''}${text}`);
  }

  private get interactive(): boolean {
    return (this.opts.input as { isTTY?: boolean }).isTTY === true;
  }

  private print(text: string): void {
    this.lastOutputAt = Date.now();
    if ((this.opts.output as { isTTY?: boolean }).isTTY) {
      readline.clearLine(this.opts.output, 0);
      readline.cursorTo(this.opts.output, 0);
    }
    this.opts.output.write(`\ndockhand> ${text.replace(/\n/g, '\n          ')}\n\n`);
    this.rl?.prompt(true);
  }
}
