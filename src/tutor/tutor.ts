import { AppError } from '../errors';
import { runCheck } from '../lessons/check-outcome';
import type { LessonCatalog } from '../lessons/lesson-catalog';
import type { ScriptRun } from '../lessons/lesson-sandbox';
import { ManagerLessonSandbox } from '../lessons/manager-lesson-sandbox';
import type { Lesson, LessonStep } from '../lessons/types';
import type { Logger } from '../logger';
import type { CommandResult, RunOptions, ScriptOptions } from '../sandbox/types';
import type { LearnerRecord, LearnerStore, TutorStore } from '../store/types';
import { cleanText, MAX_MESSAGE_CHARS } from './clean-text';
import { parseIntent, type Word } from './intent';
import type { CommandOutcome, ConversationPort, Reply } from './reply';
import { HELP_TEXT, lessonList, lessonSummary, progressReply, stepCard, stepValue } from './views';


export interface LearnerRef {
  teamId: string;
  userId: string;
  /** The learner's DM channel when known (messages and DM buttons carry it). */
  dmChannel?: string;
  /** Looked up only on first contact. */
  displayName?: () => Promise<string | undefined>;
}

/** The sandbox operations the tutor needs; SandboxManager fits it. */
export interface SandboxPort {
  run(learnerKey: string, command: string, opts?: RunOptions): Promise<CommandResult>;
  sendInput(learnerKey: string, text: string): Promise<CommandResult>;
  interrupt(learnerKey: string): Promise<CommandResult | undefined>;
  execScript(learnerKey: string, script: string, opts?: ScriptOptions): Promise<ScriptRun>;
  reset(learnerKey: string): Promise<void>;
}

export interface TutorDeps {
  learners: LearnerStore;
  store: TutorStore;
  catalog: LessonCatalog;
  sandboxes: SandboxPort;
  log: Logger;
  /** Progress changed (a lesson started, a step done, a lesson paused): e.g. refresh the App Home. */
  onProgress?: (teamId: string, userId: string) => void;
}

/** What a running challenge changes in the lesson flow (implemented by ChallengeService). */
export interface ChallengeHooks {
  solutionHidden(learnerId: string, lessonId: string): Promise<boolean>;
  /** Records a hint; returns a note about the penalty when the learner is racing. */
  onHint(learnerId: string, lessonId: string): Promise<string | undefined>;
  /** Records a check; on a pass inside a challenge, returns the result to show. */
  onCheck(learnerId: string, lessonId: string, passed: boolean): Promise<Reply | undefined>;
}

export const learnerKey = (l: { teamId: string; userId: string }) => `${l.teamId}:${l.userId}`;

/** The conversation with each learner. It knows nothing about Slack: messages in, Replies out through a port. */
export class Tutor {
  /** Learners whose last command is waiting for input: their next message is typed into it. */
  private readonly waiting = new Map<string, string>();
  /** Commands run in the background (a long command must not block the learner's Ctrl-C or input). */
  private readonly background = new Set<Promise<unknown>>();
  /** Set at shutdown: results arriving later are left to the next start's recovery message. */
  private shuttingDown = false;
  private challenges?: ChallengeHooks;

  constructor(private readonly deps: TutorDeps) {}

  /** Challenges are wired after the tutor exists (they start exercises through it). */
  setChallengeHooks(hooks: ChallengeHooks): void {
    this.challenges = hooks;
  }

  /** Starts an exercise from scratch in a fresh sandbox (a challenge attempt). */
  async beginExercise(ref: LearnerRef, lessonId: string, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    const { learner } = await this.learner(ref, log);
    const lesson = this.deps.catalog.get(lessonId);
    const first = lesson?.steps[0];
    if (!lesson || !first) throw new AppError('LESSON_UNKNOWN', `No exercise ${lessonId}`);
    this.waiting.delete(learnerKey(ref));
    await this.deps.sandboxes.reset(learnerKey(ref));
    await this.deps.store.startLesson(learner.id, lesson.id, first.id, { restart: true });
    this.deps.onProgress?.(ref.teamId, ref.userId);
    await this.enterStep(learner, ref, lesson, first, port, log);
  }

  /** A DM from a learner: a shell command, a word like `hint`, or something we answer with a suggestion. */
  async onMessage(ref: LearnerRef, rawText: string, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    const { learner, firstContact } = await this.learner(ref, log);
    if (rawText.length > MAX_MESSAGE_CHARS) {
      await port.say({
        text: `That message is ${rawText.length.toLocaleString('en-US')} characters long; I read at most ${MAX_MESSAGE_CHARS.toLocaleString('en-US')}. Send a shorter one, or \`help\` to see what I can do.`,
      });
      return;
    }
    const text = cleanText(rawText);
    const intent = parseIntent(text);
    // While a command reads input, everything typed goes to it; `$ cmd` is queued behind it instead.
    if (this.waiting.has(learnerKey(ref)) && intent.kind !== 'command') return this.sendInput(learner, ref, text, port, log);

    if (firstContact && !(intent.kind === 'word' && intent.word !== 'help') && intent.kind !== 'command') {
      await port.say({ text: 'Welcome to Dockhand!', sections: ["Welcome! Let's learn Docker together, in a sandbox that is yours alone.", HELP_TEXT], buttons: [{ label: 'Show the lessons', actionId: 'tutor:lessons', value: 'lessons', style: 'primary' }] });
      return;
    }
    switch (intent.kind) {
      case 'empty':
        return port.say({ text: "I couldn't read any text in that message. Type `help` to see what I can do." });
      case 'command':
        return this.startCommand(learner, ref, intent.command, port, log);
      case 'word':
        return this.onWord(learner, ref, intent.word, intent.arg, port, log);
      case 'unknown': {
        const shown = intent.text.length > 60 ? `${intent.text.slice(0, 60)}…` : intent.text;
        const looksLikeShell = /^(docker|ls|cat|curl|echo|cd|pwd|mkdir|nano|vi|rm|cp|mv|touch|ps|python3?)\b/.test(intent.text);
        const hint = looksLikeShell
          ? `To run it in your sandbox, start with \`$ \`: \`$ ${shown}\``
          : intent.suggestion
            ? `Did you mean \`${intent.suggestion}\`?`
            : 'Type `help` to see what I can do.';
        return port.say({ text: `I don't know "${shown}". ${hint}` });
      }
    }
  }

  /** A button press (Hint, Check, Solution, Skip, Next, a lesson to start, Ctrl-C, reset). */
  async onAction(ref: LearnerRef, actionId: string, value: string | undefined, port: ConversationPort, log: Logger = this.deps.log): Promise<void> {
    const { learner } = await this.learner(ref, log);
    const [, name, arg] = actionId.split(':');
    if (name === 'start' && arg) return this.startLesson(learner, ref, arg, port, log);
    if (name === 'lessons') return this.onWord(learner, ref, 'lessons', '', port, log);
    if (name === 'ctrl-c') {
      await this.deps.sandboxes.interrupt(learnerKey(ref)).catch((err) => log.info({ err }, 'nothing to interrupt'));
      return;
    }
    if (name === 'reset') return this.onWord(learner, ref, 'reset', '', port, log);
    if (name === 'hint' || name === 'check' || name === 'solution' || name === 'skip' || name === 'next') {
      const active = await this.deps.store.activeLesson(learner.id);
      if (!active || !active.stepId || (value && value !== stepValue(active.lessonId, active.stepId))) {
        await port.say({ text: 'That card is from an earlier step.', context: 'Here is where you are now.' });
        return this.showCurrent(learner, port);
      }
      return this.onWord(learner, ref, name, '', port, log);
    }
    log.warn({ actionId }, 'unknown action ignored');
  }

  /** `/tutor ...` from any channel: the answer is shown only to the learner; lesson cards go to the DM. */
  async onSlashCommand(ref: LearnerRef, text: string, dm: ConversationPort, log: Logger = this.deps.log): Promise<Reply> {
    const { learner } = await this.learner(ref, log);
    const intent = parseIntent(cleanText(text));
    if (intent.kind === 'empty' || (intent.kind === 'word' && intent.word === 'help')) return { text: 'Dockhand', sections: [HELP_TEXT.replace(/`(lessons|start|progress|reset|stop|help)/g, '`/tutor $1')] };
    if (intent.kind !== 'word') return { text: `\`/tutor\` understands help, lessons, start <lesson>, progress, reset and stop.${intent.kind === 'unknown' && intent.suggestion ? ` Did you mean \`/tutor ${intent.suggestion}\`?` : ''}` };
    switch (intent.word) {
      case 'lessons':
        return lessonList(this.deps.catalog.list('lesson'), await this.deps.store.summaries(learner.id));
      case 'progress': {
        const active = await this.deps.store.activeLesson(learner.id);
        return progressReply(this.deps.catalog.list(), await this.deps.store.summaries(learner.id), active?.lessonId ?? null);
      }
      case 'start':
        await this.onWord(learner, ref, 'start', intent.arg, dm, log);
        return { text: 'Your lesson is waiting in our direct message.' };
      case 'stop':
      case 'reset': {
        const said: Reply[] = [];
        await this.onWord(learner, ref, intent.word, '', { say: async (r) => void said.push(r), commandView: dm.commandView }, log);
        return said[0] ?? { text: 'Done.' };
      }
      default:
        return { text: `\`${intent.word}\` works in our direct message, where your lesson is.` };
    }
  }

  /** Data for the App Home tab. */
  async home(ref: LearnerRef) {
    const learner = await this.deps.learners.find(ref.teamId, ref.userId);
    const summaries = learner ? await this.deps.store.summaries(learner.id) : [];
    const active = learner ? await this.deps.store.activeLesson(learner.id) : null;
    return { lessons: this.deps.catalog.list(), summaries, activeLessonId: active?.lessonId ?? null, activeStepId: active?.stepId ?? null };
  }

  /** Tells learners whose command was cut short by a restart; their sandbox and progress are kept. */
  async recoverAfterRestart(teamId: string, portFor: (teamId: string, userId: string, channel: string) => ConversationPort): Promise<number> {
    const runs = await this.deps.store.takeInterruptedRuns(teamId);
    for (const run of runs) {
      const channel = run.channel ?? (await this.deps.store.dmChannelOf(run.teamId, run.userId));
      if (!channel) continue;
      await portFor(run.teamId, run.userId, channel)
        .say({ text: `I restarted while \`${run.command}\` was running, so it was interrupted. Your sandbox and your progress are kept; run it again if you need to.` })
        .catch((err) => this.deps.log.warn({ err }, 'could not tell a learner about an interrupted command'));
    }
    return runs.length;
  }

  /**
   * Shutdown: waits for background commands up to the deadline; commands still running then stay
   * unfinished in the store, and the next start tells their learners they were interrupted.
   */
  async drain(deadlineMs: number): Promise<boolean> {
    const all = Promise.allSettled([...this.background]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), deadlineMs)));
    const done = await Promise.race([all, timeout]);
    clearTimeout(timer);
    this.shuttingDown = true;
    return done;
  }

  // ---- internals ------------------------------------------------------------------------------

  private async learner(ref: LearnerRef, log: Logger): Promise<{ learner: LearnerRecord; firstContact: boolean }> {
    const existing = await this.deps.learners.find(ref.teamId, ref.userId);
    if (existing) return { learner: existing, firstContact: false };
    const name = await ref.displayName?.().catch(() => undefined);
    const { learner, created } = await this.deps.learners.ensureLearner(ref.teamId, ref.userId, name);
    if (created) log.info({ teamId: ref.teamId, userId: ref.userId }, 'new learner');
    if (ref.dmChannel) await this.deps.store.setDmChannel(learner.id, ref.dmChannel);
    return { learner, firstContact: created };
  }

  private track<T>(p: Promise<T>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => undefined);
  }

  private async onWord(learner: LearnerRecord, ref: LearnerRef, word: Word, arg: string, port: ConversationPort, log: Logger): Promise<void> {
    const { store, catalog } = this.deps;
    switch (word) {
      case 'help':
        return port.say({ text: 'Here is what I can do.', sections: [HELP_TEXT] });
      case 'lessons':
        return port.say(lessonList(catalog.list('lesson'), await store.summaries(learner.id)));
      case 'progress': {
        const active = await store.activeLesson(learner.id);
        return port.say(progressReply(catalog.list(), await store.summaries(learner.id), active?.lessonId ?? null));
      }
      case 'start':
        return this.startLesson(learner, ref, arg, port, log);
      case 'stop': {
        const active = await store.activeLesson(learner.id);
        if (!active) return port.say({ text: 'No lesson is running. Type `lessons` to pick one.' });
        await store.stopLesson(learner.id);
        this.deps.onProgress?.(ref.teamId, ref.userId);
        const title = catalog.get(active.lessonId)?.title ?? active.lessonId;
        return port.say({ text: `Paused *${title}*. \`start ${active.lessonId}\` continues where you left off.` });
      }
      case 'reset':
        this.waiting.delete(learnerKey(ref));
        await this.deps.sandboxes.reset(learnerKey(ref));
        return port.say({ text: 'Your sandbox was reset: your next command starts in a fresh one. Your lesson progress is kept.' });
      default:
        return this.stepAction(learner, ref, word, port, log);
    }
  }

  private async current(learner: LearnerRecord): Promise<{ lesson: Lesson; step: LessonStep } | undefined> {
    const active = await this.deps.store.activeLesson(learner.id);
    if (!active?.stepId) return undefined;
    const lesson = this.deps.catalog.get(active.lessonId);
    const step = lesson?.steps.find((s) => s.id === active.stepId);
    return lesson && step ? { lesson, step } : undefined;
  }

  private async showCurrent(learner: LearnerRecord, port: ConversationPort): Promise<void> {
    const cur = await this.current(learner);
    if (cur) await port.say(stepCard(cur.lesson, cur.step, { solutionHidden: await this.solutionHidden(learner.id, cur.lesson.id) }));
    else await port.say({ text: 'No lesson is running. Type `lessons` to pick one.' });
  }

  private async stepAction(learner: LearnerRecord, ref: LearnerRef, word: 'hint' | 'check' | 'solution' | 'skip' | 'next' | string, port: ConversationPort, log: Logger) {
    const cur = await this.current(learner);
    if (!cur) return port.say({ text: `\`${word}\` works inside a lesson, and none is running. Type \`lessons\` to pick one.` });
    const { lesson, step } = cur;
    const { store } = this.deps;
    switch (word) {
      case 'hint': {
        if (!step.hints.length) return port.say({ text: 'This step has no hints. `solution` shows the commands.' });
        const n = await store.recordHint(learner.id, lesson.id, step.id);
        const penalty = await this.challenges?.onHint(learner.id, lesson.id);
        const hint = step.hints[Math.min(n, step.hints.length) - 1]!;
        const more = n < step.hints.length ? `Hint ${n} of ${step.hints.length}; ask again for the next.` : 'That was the last hint; `solution` shows the commands.';
        return port.say({ text: `Hint: ${hint}`, sections: [`:bulb: ${hint}`], context: penalty ? `${more} ${penalty}` : more });
      }
      case 'solution':
        if (await this.solutionHidden(learner.id, lesson.id)) {
          return port.say({ text: 'The solution stays hidden while the challenge runs. Hints are allowed (they add a time penalty).' });
        }
        await store.recordSolutionShown(learner.id, lesson.id, step.id);
        return port.say({ text: 'Solution', sections: ['*Solution*: run these, one per message:', step.solution.map((c) => `\`$ ${c.replace(/`/g, "'")}\``).join('\n')] });
      case 'skip':
        if (await this.solutionHidden(learner.id, lesson.id)) return port.say({ text: 'A challenge step cannot be skipped; `hint` helps (with a time penalty).' });
        return this.advance(learner, ref, lesson, step, port, log, { skipped: true });
      case 'check':
      case 'next':
        return this.check(learner, ref, lesson, step, port, log, { next: word === 'next' });
    }
  }

  private async startLesson(learner: LearnerRecord, ref: LearnerRef, arg: string, port: ConversationPort, log: Logger): Promise<void> {
    const { catalog, store } = this.deps;
    let lesson: Lesson | undefined;
    const wanted = arg.trim().toLowerCase();
    if (!wanted) {
      const active = await store.activeLesson(learner.id);
      const done = new Set((await store.summaries(learner.id)).filter((s) => s.completedAt).map((s) => s.lessonId));
      lesson = (active && catalog.get(active.lessonId)) || catalog.list('lesson').find((l) => !done.has(l.id));
      if (!lesson) return port.say({ text: 'You have finished every lesson! Type `lessons` to pick one again.' });
    } else {
      const lessons = catalog.list('lesson');
      const all = catalog.list();
      lesson =
        catalog.get(wanted) ??
        (/^\d+$/.test(wanted) ? lessons[Number(wanted) - 1] : undefined) ??
        all.find((l) => l.title.toLowerCase() === wanted) ??
        all.find((l) => l.id.includes(wanted) || l.title.toLowerCase().includes(wanted));
      if (!lesson) return port.say({ text: `I don't know a lesson called "${arg.slice(0, 60)}". Type \`lessons\` for the list.` });
    }
    const first = lesson.steps[0];
    if (!first) return port.say({ text: `${lesson.title} has no steps yet.` });
    const { stepId, resumed } = await store.startLesson(learner.id, lesson.id, first.id);
    this.deps.onProgress?.(ref.teamId, ref.userId);
    const step = lesson.steps.find((s) => s.id === stepId) ?? first;
    if (!resumed && lesson.intro) await port.say({ text: lesson.title, sections: [`*${lesson.title}*`], markdown: lesson.intro.trim() });
    await this.enterStep(learner, ref, lesson, step, port, log, { resumed });
  }

  /** Shows a step's card after running its setup, if any. */
  private async enterStep(learner: LearnerRecord, ref: LearnerRef, lesson: Lesson, step: LessonStep, port: ConversationPort, log: Logger, opts: { resumed?: boolean } = {}) {
    if (step.setup && !opts.resumed) {
      const run = await this.deps.sandboxes.execScript(learnerKey(ref), step.setup, { timeoutMs: step.solutionTimeoutMs }).catch((err: unknown) => err);
      if (run instanceof Error || (run as ScriptRun).exitCode !== 0) {
        log.warn({ lessonId: lesson.id, stepId: step.id, err: run instanceof Error ? run : undefined }, 'step setup failed');
        await port.say({ text: 'I could not prepare your sandbox for this step. Try `reset`, then `start` again.' });
      }
    }
    await port.say(stepCard(lesson, step, { ...opts, solutionHidden: await this.solutionHidden(learner.id, lesson.id) }));
  }

  private solutionHidden(learnerId: string, lessonId: string): Promise<boolean> {
    return this.challenges?.solutionHidden(learnerId, lessonId) ?? Promise.resolve(false);
  }

  private async check(learner: LearnerRecord, ref: LearnerRef, lesson: Lesson, step: LessonStep, port: ConversationPort, log: Logger, opts: { next?: boolean } = {}) {
    await this.deps.store.recordAttempt(learner.id, lesson.id, step.id);
    let outcome;
    try {
      outcome = await runCheck(new ManagerLessonSandbox(this.deps.sandboxes, learnerKey(ref)), step);
    } catch (err) {
      log.warn({ err }, 'check could not run');
      return port.say({ text: `I could not run the check right now (${err instanceof AppError ? err.code : 'sandbox error'}). Try again in a moment.` });
    }
    const raced = await this.challenges?.onCheck(learner.id, lesson.id, outcome.passed).catch((err: unknown) => {
      log.error({ err }, 'recording a challenge check failed');
      return undefined;
    });
    if (outcome.passed) {
      await port.say({ text: `:white_check_mark: ${outcome.message === 'Done!' ? `${step.title}: done!` : outcome.message}` });
      if (raced) await port.say(raced);
      return this.advance(learner, ref, lesson, step, port, log, { skipped: false });
    }
    const value = stepValue(lesson.id, step.id);
    await port.say({
      text: `Not done yet: ${outcome.message}`,
      sections: [`${opts.next ? 'Finish this step first (or `skip` it). ' : ''}Not done yet: ${outcome.message}`],
      buttons: [{ label: 'Hint', actionId: 'tutor:hint', value }],
    });
  }

  private async advance(learner: LearnerRecord, ref: LearnerRef, lesson: Lesson, step: LessonStep, port: ConversationPort, log: Logger, opts: { skipped: boolean }) {
    const next = lesson.steps[step.index + 1];
    await this.deps.store.completeStep(learner.id, lesson.id, step.id, next?.id ?? null, opts);
    this.deps.onProgress?.(ref.teamId, ref.userId);
    if (next) return this.enterStep(learner, ref, lesson, next, port, log);
    const summary = (await this.deps.store.summaries(learner.id)).find((s) => s.lessonId === lesson.id);
    const lessons = this.deps.catalog.list(lesson.kind);
    const after = lessons[lessons.findIndex((l) => l.id === lesson.id) + 1];
    await port.say(lessonSummary(lesson, summary, after));
  }

  private async startCommand(learner: LearnerRecord, ref: LearnerRef, command: string, port: ConversationPort, log: Logger): Promise<void> {
    const view = await port.commandView(command);
    const runId = await this.deps.store.startCommand({ learnerId: learner.id, command, channel: view.ref?.channel });
    this.track(this.finishCommand(learner, ref, command, runId, view, port, log, () => this.deps.sandboxes.run(learnerKey(ref), command, { onOutput: (s) => view.update(s) })));
  }

  private async sendInput(learner: LearnerRecord, ref: LearnerRef, text: string, port: ConversationPort, log: Logger): Promise<void> {
    const command = this.waiting.get(learnerKey(ref)) ?? 'input';
    this.waiting.delete(learnerKey(ref));
    const view = await port.commandView(`${command}  ⟵ ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
    const runId = await this.deps.store.startCommand({ learnerId: learner.id, command: `(input) ${text}`, channel: view.ref?.channel });
    // A chat message is a line typed at the terminal: Enter included.
    this.track(this.finishCommand(learner, ref, command, runId, view, port, log, () => this.deps.sandboxes.sendInput(learnerKey(ref), `${text}\n`)));
  }

  private async finishCommand(
    learner: LearnerRecord,
    ref: LearnerRef,
    command: string,
    runId: string,
    view: { finish(o: CommandOutcome): Promise<void> },
    port: ConversationPort,
    log: Logger,
    run: () => Promise<CommandResult>,
  ): Promise<void> {
    let result: CommandResult;
    try {
      result = await run();
      if (this.shuttingDown) return;
    } catch (err) {
      if (this.shuttingDown) return;
      const friendly =
        err instanceof AppError && err.code === 'RATE_LIMITED'
          ? err.message
          : `Your sandbox could not run that (${err instanceof AppError ? err.code : 'unexpected error'}). Try again, or \`reset\` for a fresh sandbox.`;
      if (!(err instanceof AppError)) log.error({ err }, 'command failed');
      await this.deps.store.finishCommand(runId, { exitCode: null, durationMs: 0, outputBytes: 0, truncated: false, timedOut: false, interrupted: true }).catch(() => undefined);
      await view.finish({ command, output: '', exitCode: null, durationMs: 0, truncated: false, timedOut: false, interrupted: true, waitingForInput: false, notices: [friendly] });
      return;
    }
    if (result.waitingForInput) this.waiting.set(learnerKey(ref), command);
    await this.deps.store
      .finishCommand(runId, {
        exitCode: result.exitCode,
        durationMs: Math.round(result.durationMs),
        outputBytes: Buffer.byteLength(result.output),
        truncated: result.truncated,
        timedOut: result.timedOut,
        interrupted: result.interrupted,
      })
      .catch((err) => log.error({ err }, 'could not record a command run'));
    await view.finish({ command, ...result, notices: result.notices ?? [] });
    if (result.waitingForInput) return;
    const cur = await this.current(learner);
    if (cur?.step.autoCheck) await this.check(learner, ref, cur.lesson, cur.step, port, log);
  }
}
