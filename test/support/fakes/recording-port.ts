import type { ChannelPort, CommandOutcome, CommandView, ConversationPort, LiveView, Reply } from '../../../src/tutor/reply';

/** A command view that keeps every screen and the outcome; `done` resolves with the outcome. */
export class RecordingCommandView implements CommandView {
  readonly screens: string[] = [];
  outcome?: CommandOutcome;
  readonly done: Promise<CommandOutcome>;
  private resolveDone!: (o: CommandOutcome) => void;

  constructor(
    readonly command: string,
    readonly ref: { channel: string } | undefined,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  update(screen: string): void {
    this.screens.push(screen);
  }

  async finish(outcome: CommandOutcome): Promise<void> {
    if (this.outcome) throw new Error(`finish() called twice for ${this.command}`);
    this.outcome = outcome;
    this.resolveDone(outcome);
  }
}

/**
 * The tutor's ConversationPort for tests: records replies and command views in order, and lets a test wait
 * for the next one (commands finish in the background).
 */
export class RecordingPort implements ConversationPort {
  readonly replies: Reply[] = [];
  readonly views: RecordingCommandView[] = [];
  /** Replies and views in the order they happened. */
  readonly events: ({ kind: 'reply'; reply: Reply } | { kind: 'view'; view: RecordingCommandView })[] = [];
  private listeners: (() => void)[] = [];

  constructor(readonly channel: string | undefined = 'D0TEST') {}

  async say(reply: Reply): Promise<void> {
    this.replies.push(reply);
    this.events.push({ kind: 'reply', reply });
    this.changed();
  }

  // An arrow property, as the Slack port's: the tutor may pass it on detached from the port.
  commandView = async (command: string): Promise<RecordingCommandView> => {
    const view = new RecordingCommandView(command, this.channel ? { channel: this.channel } : undefined);
    this.views.push(view);
    this.events.push({ kind: 'view', view });
    this.changed();
    return view;
  };

  /** Reply texts so far. */
  texts(): string[] {
    return this.replies.map((r) => r.text);
  }

  lastReply(): Reply | undefined {
    return this.replies.at(-1);
  }

  /** Every action id of the buttons offered so far, in order. */
  buttons(): string[] {
    return this.replies.flatMap((r) => (r.buttons ?? []).map((b) => b.actionId));
  }

  /** Resolves once `probe` returns a value (checked after each reply or view); fails after `timeoutMs`. */
  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 2000): Promise<T> {
    const first = probe();
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`RecordingPort: nothing matched within ${timeoutMs} ms; replies: ${JSON.stringify(this.texts())}`));
      }, timeoutMs);
      const check = () => {
        const v = probe();
        if (!v) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve(v);
      };
      this.listeners.push(check);
    });
  }

  /** Waits for a reply whose text matches. */
  waitForReply(match: string | RegExp, timeoutMs?: number): Promise<Reply> {
    const ok = (r: Reply) => (typeof match === 'string' ? r.text.includes(match) : match.test(r.text));
    return this.waitFor(() => this.replies.find(ok), timeoutMs);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** The tutor's ChannelPort for tests: records posts (with made-up ts), live views and ephemeral messages. */
export class RecordingChannels implements ChannelPort {
  readonly posts: { channel: string; reply: Reply; threadTs?: string; ts: string }[] = [];
  readonly ephemerals: { channel: string; user: string; reply: Reply }[] = [];
  readonly lives: { channel: string; ts: string; threadTs?: string; updates: Reply[]; final?: Reply }[] = [];
  private counter = 0;

  async post(channel: string, reply: Reply, threadTs?: string): Promise<string> {
    const ts = `1700000000.${String(++this.counter).padStart(6, '0')}`;
    this.posts.push({ channel, reply, threadTs, ts });
    return ts;
  }

  live(channel: string, ts: string, threadTs?: string): LiveView {
    const rec: (typeof this.lives)[number] = { channel, ts, threadTs, updates: [] };
    this.lives.push(rec);
    return {
      update: (reply) => void rec.updates.push(reply),
      finish: async (reply) => {
        rec.final = reply;
      },
    };
  }

  async ephemeral(channel: string, user: string, reply: Reply): Promise<void> {
    this.ephemerals.push({ channel, user, reply });
  }
}
