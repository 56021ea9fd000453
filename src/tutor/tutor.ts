import type { Logger } from '../logger';
import { Checks } from './checks';
import { cleanText, MAX_MESSAGE_CHARS } from './turns/clean-text';
import { Commands } from './commands';
import { isEscape, parseIntent, readMessage, type Intent } from './turns/intent';
import { KeywordDispatcher } from './turns/keyword-dispatcher';
import { LessonFlow } from './lesson-flow';
import { ForegroundWork } from './pulls/foreground-work';
import { LessonPrePuller, prePullForNewSandbox, type LessonPrePullStats } from './pulls/lesson-prepull';
import { Progress, type LearnerHome } from './progress';
import type { ConversationPort, Reply } from './reply';
import type { TutorDeps } from './tutor-deps';
import { TutorEvents } from './tutor-events';
import { learnerKeyOf, type LearnerKey } from './learner-key';
import { openTurn, prepareSandbox, type LearnerRef, type TurnContext } from './turns/turn-context';
import { slowDownText, terminalSlowDownText, TurnLimiter, type LimitKind } from './turns/turn-limiter';
import { SandboxChurnLimiter } from './sandboxes/sandbox-churn-limiter';
import { AppError } from '../errors';
import { HELP_TEXT, stepValue } from './views';

export type { LearnerRef, TurnContext } from './turns/turn-context';

/** A lesson step as another view shows it: Markdown body, position, whether commands are checked automatically. */
export interface StepView {
  lessonTitle: string;
  title: string;
  body: string;
  index: number;
  count: number;
  autoCheck: boolean;
}
export type { ChallengeHooks, TutorDeps, TutorSandboxes } from './tutor-deps';

/**
 * The conversation with each learner. It knows nothing about Slack: messages in, Replies out through a
 * port. A facade: each call opens a TurnContext and hands it to the feature that answers it.
 */
export class Tutor {
  /** Progress changes (subscribe with `tutor.events.on('progress', ...)`). */
  readonly events: TutorEvents;
  private readonly flow: LessonFlow;
  private readonly commands: Commands;
  private readonly words: KeywordDispatcher;
  private readonly progress: Progress;
  private readonly limiter?: TurnLimiter;
  private readonly churn?: SandboxChurnLimiter;
  private readonly prePull: LessonPrePuller;
  private readonly checks: Checks;

  private readonly deps: TutorDeps;

  constructor(given: TutorDeps) {
    // what learners wait on in their sandboxes is counted, so background pulls (given the bare port) yield to it
    const foreground = new ForegroundWork();
    const deps: TutorDeps = { ...given, sandboxes: foreground.wrap(given.sandboxes), prePull: { ...given.prePull, foreground } };
    this.deps = deps;
    this.limiter = deps.limits ? new TurnLimiter(deps.limits) : undefined;
    this.events = deps.events ?? new TutorEvents((err) => deps.log.error({ err }, 'a tutor event listener failed'));
    this.prePull = new LessonPrePuller(given.sandboxes, deps.prePull);
    this.flow = new LessonFlow({ ...deps, events: this.events, prePull: this.prePull });
    const checks = new Checks(deps, this.flow);
    this.checks = checks;
    const churn = deps.limits?.newSandboxesPerTenMinutes ? new SandboxChurnLimiter({ perTenMinutes: deps.limits.newSandboxesPerTenMinutes, now: deps.limits.now }) : undefined;
    this.churn = churn;
    this.commands = new Commands({ ...deps, churn }, checks);
    this.progress = new Progress(deps);
    this.words = new KeywordDispatcher(deps, { flow: this.flow, checks, commands: this.commands, progress: this.progress });
  }

  /**
   * Starts an exercise from scratch in a fresh sandbox (a challenge attempt). `beforeCard` runs in the fresh
   * sandbox before the step is shown (a race pre-pulls the exercise's images there); without it the sandbox
   * starts in the background while the learner reads.
   */
  async beginExercise(ref: LearnerRef, lessonId: string, port: ConversationPort, log: Logger = this.deps.log, opts: { beforeCard?: (learnerKey: string) => Promise<void> } = {}): Promise<void> {
    const ctx = await this.turn(ref, port, log);
    const exercise = this.flow.exercise(lessonId);
    const fresh = await this.commands.resetSandbox(ctx, { quiet: true });
    if (!fresh.allowed) {
      const minutes = Math.max(1, Math.ceil(fresh.retryInMs / 60_000));
      throw new AppError('RATE_LIMITED', `This needs a fresh sandbox, and you have had ${fresh.limit} in a few minutes: the next one is available in about ${minutes} min. Your current sandbox still works.`);
    }
    if (opts.beforeCard) await opts.beforeCard(ctx.key);
    else ctx.prepareSandbox(this.deps.sandboxes);
    await this.flow.restart(ctx, exercise);
  }

  /** A DM from a learner: a shell command, a word like `hint`, or something we answer with a suggestion. */
  async onMessage(ref: LearnerRef, rawText: string, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    const message = readMessage(rawText);
    if (this.limiter && !(await this.withinLimits(ref, port, log, this.kindOfMessage(ref, message.intent)))) return;
    // A new learner will soon run something: their sandbox starts once this turn has answered, while they read (a
    // class's first messages: 30 sandbox starts ahead of the 30 answers held every answer back by seconds); for a
    // command at once, before Slack tells their name (users.info is slow in a burst), since the command needs it.
    let fresh: LearnerKey | undefined;
    const ctx = await openTurn(this.deps, ref, port, log, (key) => (message.intent.kind === 'command' ? prepareSandbox(this.deps.sandboxes, key, log) : void (fresh = key)));
    try {
      await this.answer(ctx, message);
    } finally {
      if (fresh) prepareSandbox(this.deps.sandboxes, fresh, log);
    }
  }

  private async answer(ctx: TurnContext, message: ReturnType<typeof readMessage>): Promise<void> {
    if (message.tooLong) {
      await ctx.say({
        text: `That message is ${message.length.toLocaleString('en-US')} characters long; I read at most ${MAX_MESSAGE_CHARS.toLocaleString('en-US')}. Send a shorter one, or \`help\` to see what I can do.`,
      });
      return;
    }
    const { text, intent } = message;
    // While a command reads input, everything typed goes to it; `$ cmd` is queued behind it instead.
    if (this.commands.isWaiting(ctx) && intent.kind !== 'command') {
      if (isEscape(intent)) {
        if (intent.word === 'stop') {
          await this.commands.stopWaiting(ctx);
          await ctx.say({ text: 'I stopped the command that was waiting for input (Ctrl-C).' });
        }
        return this.words.onWord(ctx, intent.word, '');
      }
      return this.commands.input(ctx, text);
    }

    if (ctx.firstContact && !(intent.kind === 'word' && intent.word !== 'help') && intent.kind !== 'command') {
      await ctx.say({ text: 'Welcome to Dockhand!', sections: ["Welcome! Let's learn Docker together, in a sandbox that is yours alone.", HELP_TEXT], buttons: [{ label: 'Show the lessons', actionId: 'tutor:lessons', value: 'lessons', style: 'primary' }] });
      return;
    }
    switch (intent.kind) {
      case 'empty':
        return ctx.say({ text: "I couldn't read any text in that message. Type `help` to see what I can do." });
      case 'command':
        return this.commands.run(ctx, intent.command);
      case 'word':
        return this.words.onWord(ctx, intent.word, intent.arg);
      case 'unknown': {
        const shown = intent.text.length > 60 ? `${intent.text.slice(0, 60)}…` : intent.text;
        const looksLikeShell = /^(docker|ls|cat|curl|echo|cd|pwd|mkdir|nano|vi|rm|cp|mv|touch|ps|python3?)\b/.test(intent.text);
        const hint = looksLikeShell
          ? `To run it in your sandbox, start with \`$ \`: \`$ ${shown}\``
          : intent.suggestion
            ? `Did you mean \`${intent.suggestion}\`?`
            : 'Type `help` to see what I can do.';
        return ctx.say({ text: `I don't know "${shown}". ${hint}` });
      }
    }
  }

  /** A button press (Hint, Check, Solution, Skip, Next, a lesson to start, Ctrl-C, reset). */
  async onAction(ref: LearnerRef, actionId: string, value: string | undefined, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    const [, name, arg] = actionId.split(':');
    // Ctrl-C always works (it stops work); every other button, Reset included, counts like a typed request
    // (a Reset refused here leaves the sandbox as it is, and a typed `reset` still gets through).
    if (this.limiter && name !== 'ctrl-c' && !(await this.withinLimits(ref, port, log, 'action'))) return;
    const ctx = await this.turn(ref, port, log);
    if (name === 'start' && arg) return this.flow.start(ctx, arg);
    if (name === 'lessons') return this.words.onWord(ctx, 'lessons', '');
    if (name === 'ctrl-c') return this.commands.interrupt(ctx);
    if (name === 'reset') return this.words.onWord(ctx, 'reset', '');
    if (name === 'playground') return this.words.onWord(ctx, 'playground', '');
    if (name === 'hint' || name === 'check' || name === 'solution' || name === 'skip' || name === 'next') {
      const active = await ctx.activeLesson();
      if (!active || !active.stepId || (value && value !== stepValue(active.lessonId, active.stepId))) {
        await ctx.say({ text: 'That card is from an earlier step.', context: 'Here is where you are now.' });
        return this.flow.showCurrent(ctx);
      }
      return this.words.onWord(ctx, name, '');
    }
    log.warn({ actionId }, 'unknown action ignored');
  }

  /** `/tutor ...` from any channel: the answer is shown only to the learner; lesson cards go to the DM. */
  async onSlashCommand(ref: LearnerRef, text: string, dm: ConversationPort, log: Logger = this.deps.log): Promise<Reply | undefined> {
    const refused = await this.admit(ref, log);
    if (refused !== undefined) return refused ?? undefined;
    const ctx = await this.turn(ref, dm, log);
    const intent = parseIntent(cleanText(text));
    if (intent.kind === 'empty' || (intent.kind === 'word' && intent.word === 'help')) return { text: 'Dockhand', sections: [HELP_TEXT.replace(/`(lessons|start|progress|reset|stop|help)/g, '`/tutor $1')] };
    if (intent.kind !== 'word') return { text: `\`/tutor\` understands help, lessons, start <lesson>, progress, reset and stop.${intent.kind === 'unknown' && intent.suggestion ? ` Did you mean \`/tutor ${intent.suggestion}\`?` : ''}` };
    switch (intent.word) {
      case 'lessons':
        return this.progress.lessons(ctx);
      case 'progress':
        return this.progress.progress(ctx);
      case 'start':
        await this.words.onWord(ctx, 'start', intent.arg);
        return { text: 'Your lesson is waiting in our direct message.' };
      case 'stop':
      case 'reset': {
        // The answer goes back to the slash command instead of the DM.
        const said: Reply[] = [];
        await this.words.onWord(ctx.withPort({ say: async (r) => void said.push(r), commandView: (c) => dm.commandView(c) }), intent.word, '');
        // Nothing said: a fresh sandbox refused again in the same window, which stays quiet.
        return said[0];
      }
      default:
        return { text: `\`${intent.word}\` works in our direct message, where your lesson is.` };
    }
  }

  /**
   * `/tutor class prepare N` (admins): keeps N sandboxes warm for the next 30 minutes, so a class that
   * starts together does not wait for N sandbox starts. Answered at once; the sandboxes start meanwhile.
   */
  classCommand(args: string, isAdmin: boolean): Reply {
    const [sub = '', count = ''] = args.trim().split(/\s+/);
    const usage = '`/tutor class prepare <number of learners>` starts that many sandboxes ahead of a class (admins only).';
    if (sub.toLowerCase() !== 'prepare') return { text: usage };
    if (!isAdmin) return { text: 'Only admins (`ADMIN_USER_IDS`) can prepare sandboxes for a class.' };
    const n = Number(count);
    if (!/^\d+$/.test(count) || n < 1 || n > 500) return { text: `Give the number of learners, from 1 to 500: ${usage}` };
    if (!this.deps.sandboxes.prewarm) return { text: 'This sandbox service cannot prepare sandboxes ahead of time.' };
    const kept = this.deps.sandboxes.prewarm(n, 30);
    const capped = kept < n ? ` (${kept}: that is all the room left under \`SANDBOX_MAX_COUNT\`)` : '';
    return { text: `Preparing ${kept} sandboxes for your class${capped}. They stay ready for 30 minutes; each learner gets one the moment they start.` };
  }

  /** The step the learner is on, for another view of the lesson (the web playground); undefined outside a lesson. */
  async currentStep(ref: LearnerRef, port: ConversationPort, log: Logger = this.deps.log): Promise<StepView | undefined> {
    const cur = await (await this.turn(ref, port, log)).current();
    if (!cur) return undefined;
    const { lesson, step } = cur;
    return { lessonTitle: lesson.title, title: step.title, body: step.body.trim(), index: step.index, count: lesson.steps.length, autoCheck: step.autoCheck };
  }

  /** A command ended outside the chat (the playground's terminal): the automatic check, which speaks only when the step is done. */
  async commandEndedElsewhere(ref: LearnerRef, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    await this.checks.check(await this.turn(ref, port, log), { quietUnlessDone: true });
  }

  /** Data for the App Home tab. */
  async home(ref: Pick<LearnerRef, 'teamId' | 'userId'>): Promise<LearnerHome> {
    return { ...(await this.progress.home(ref)), ...(this.deps.playground && { playground: true }) };
  }

  /** Tells learners whose command was cut short by a restart; their sandbox and progress are kept. */
  recoverAfterRestart(teamId: string, portFor: (teamId: string, userId: string, channel: string) => ConversationPort): Promise<number> {
    return this.commands.recoverAfterRestart(teamId, portFor);
  }

  /**
   * Shutdown: waits for background commands until `signal` aborts (true when they all finished); from
   * then on, results arriving late are left to the next start's recovery message.
   */
  drain(signal: AbortSignal): Promise<boolean> {
    return this.commands.drain(signal);
  }

  /** Commands still running for any learner. */
  /** Fresh sandboxes refused since start by the per-learner limit (SANDBOX_NEW_PER_LEARNER_10MIN), for the metrics. */
  get sandboxRefusals(): number {
    return this.churn?.refusals ?? 0;
  }

  /** A sandbox was made for `key` (the sandbox layer's `created` event): a learner inside a lesson gets its images. */
  sandboxCreated(key: string): void {
    prePullForNewSandbox(this.deps, this.prePull, key, this.deps.log).catch((err: unknown) => this.deps.log.warn({ err }, 'lesson images not pre-pulled into a new sandbox'));
  }

  /** The background pulls of lesson images: how many run, wait, and the most that ran at once. */
  get prePulls(): LessonPrePullStats {
    return this.prePull.stats;
  }

  get commandsRunning(): number {
    return this.commands.running;
  }

  /**
   * Counts one request that does work outside the DM's words and buttons (a slash command, a challenge's
   * Accept) against the learner's request limit. Undefined: go on. Otherwise refused: the one "slow down" of
   * the window to show the learner (the caller shows it where they asked), or null (dropped quietly).
   */
  async admit(ref: Pick<LearnerRef, 'teamId' | 'userId'>, log: Logger = this.deps.log): Promise<Reply | null | undefined> {
    if (!this.limiter) return undefined;
    const decision = this.limiter.take(learnerKeyOf(ref), 'action');
    if (decision.allowed) return undefined;
    log.info({ kind: 'action', notify: decision.notify }, 'learner over the request limit');
    return decision.notify ? { text: slowDownText(decision) } : null;
  }

  /** A line entered in the playground's terminal, counted against the learner's chat command limit: undefined goes on, else what to show there. */
  admitCommand(ref: Pick<LearnerRef, 'teamId' | 'userId'>): string | undefined {
    const d = this.limiter?.take(learnerKeyOf(ref), 'command');
    return !d || d.allowed ? undefined : terminalSlowDownText(d);
  }

  /** What a message costs: a command (or input to one), a request, or nothing (`reset`, `stop`: they always work). */
  private kindOfMessage(ref: LearnerRef, intent: Intent): LimitKind | undefined {
    if (isEscape(intent)) return undefined;
    return intent.kind === 'command' || this.commands.isWaitingKey(learnerKeyOf(ref)) ? 'command' : 'action';
  }

  /** True when the learner may go on; over the limit, one "slow down" per window and silence after it. */
  private async withinLimits(ref: LearnerRef, port: ConversationPort, log: Logger, kind: LimitKind | undefined): Promise<boolean> {
    if (!kind || !this.limiter) return true;
    const decision = this.limiter.take(learnerKeyOf(ref), kind);
    if (decision.allowed) return true;
    log.info({ kind, notify: decision.notify }, 'learner over the request limit');
    if (decision.notify) await port.say({ text: slowDownText(decision) });
    return false;
  }

  private turn(ref: LearnerRef, port: ConversationPort, log: Logger): Promise<TurnContext> {
    return openTurn(this.deps, ref, port, log);
  }
}
