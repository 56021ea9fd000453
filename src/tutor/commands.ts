import { AppError } from '../errors';
import { BurstGate, KeyedLanes } from '../kit';
import type { Logger } from '../logger';
import type { CommandResult } from '../sandbox';
import type { TutorStore } from '../store';
import type { Checks } from './checks';
import type { LearnerKey } from './learner-key';
import type { CommandOutcome, ConversationPort } from './reply';
import { pullFailureLine } from './pulls/pull-failure';
import { mayPublishPort, previewOfferReply, PublishedPortMemory, type PreviewOffers } from './preview-offers';
import { churnText, type ChurnDecision, type SandboxChurnLimiter } from './sandboxes/sandbox-churn-limiter';
import type { TutorSandboxes } from './tutor-deps';
import type { TurnContext } from './turns/turn-context';

export interface CommandsDeps {
  store: TutorStore;
  sandboxes: TutorSandboxes;
  log: Logger;
  /** Per-learner limit on fresh sandboxes; without it, every reset is done. */
  churn?: SandboxChurnLimiter;
  /** Image names the sandboxes' mirror serves, named when a pull fails; the lesson stand-ins when left out. */
  offlineImages?: readonly string[];
  imagesCached?: boolean;
  /** The playground's port previews: offered in the DM after a command that publishes a port. */
  previews?: PreviewOffers;
}

/** How a Ctrl-C that came before its command started is retried: every 500 ms, for up to a minute. */
const INTERRUPT_RETRY = { everyMs: 500, times: 120 };
/** How long the automatic check after a command waits for a class's burst of commands to be answered first. */
export const CHECK_HOLD_MS = 2000;

/**
 * Shell commands in the learner's sandbox: running one, typing input into one that waits for it,
 * Ctrl-C, recording each run, and the automatic check when a command ends.
 */
export class Commands {
  /** Learners whose last command is waiting for input: their next message is typed into it. */
  private readonly waiting = new Map<LearnerKey, string>();
  /** Work run in the background (a long command must not block the learner's Ctrl-C or input). */
  private readonly background = new KeyedLanes<LearnerKey>();
  /** Set at shutdown: results arriving later are left to the next start's recovery message. */
  private shuttingDown = false;
  private readonly published = new PublishedPortMemory();
  /** Each learner's commands still in flight (one may still be waiting for its sandbox to start). */
  private readonly inFlight = new KeyedLanes<LearnerKey>();
  /** Everyone's commands being run: the automatic checks wait for a burst of them (kit/burst-gate.ts). */
  private readonly burst = new BurstGate();

  constructor(
    private readonly deps: CommandsDeps,
    private readonly checks: Checks,
  ) {}

  /** The learner's last command waits for input: their next message goes to it. */
  isWaiting(ctx: TurnContext): boolean {
    return this.waiting.has(ctx.key);
  }

  /** The same, before a turn is opened. */
  isWaitingKey(key: LearnerKey): boolean {
    return this.waiting.has(key);
  }

  /** `$ command`: starts it and returns; its output streams to a live message. */
  async run(ctx: TurnContext, command: string): Promise<void> {
    const view = await ctx.port.commandView(command);
    const runId = this.record(ctx, command, view.ref?.channel);
    const running = this.inFlight.track(ctx.key, () => this.finish(ctx, command, runId, view, () => this.burst.during(this.deps.sandboxes.run(ctx.key, command, { onOutput: (s) => view.update(s) }))));
    this.track(ctx, running);
  }

  /** A message while a command waits for input: typed into it, Enter included. */
  async input(ctx: TurnContext, text: string): Promise<void> {
    const command = this.waiting.get(ctx.key) ?? 'input';
    this.waiting.delete(ctx.key);
    const view = await ctx.port.commandView(`${command}  ⟵ ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
    const runId = this.record(ctx, `(input) ${text}`, view.ref?.channel);
    // A chat message is a line typed at the terminal: Enter included.
    this.track(ctx, this.finish(ctx, command, runId, view, () => this.deps.sandboxes.sendInput(ctx.key, `${text}\n`)));
  }

  /**
   * The Ctrl-C button. A command still waiting for its sandbox to start cannot be stopped yet: Ctrl-C is
   * then tried again, in the background, until the command can be stopped or has ended.
   */
  async interrupt(ctx: TurnContext, retry: { everyMs: number; times: number } = INTERRUPT_RETRY): Promise<void> {
    const once = () => this.deps.sandboxes.interrupt(ctx.key).catch((err: unknown) => void ctx.log.info({ err }, 'nothing to interrupt'));
    if (await once()) return;
    if (!this.inFlight.busy(ctx.key)) return;
    // The sandbox runs a learner's commands one at a time, so all of them settled is the last one sent ended.
    const ended = this.inFlight.settled(ctx.key).then(() => true);
    this.track(
      ctx,
      (async () => {
        for (let i = 0; i < retry.times; i++) {
          if (await Promise.race([ended, new Promise<false>((r) => setTimeout(() => r(false), retry.everyMs).unref())])) return;
          if (await once()) return;
        }
      })(),
    );
  }

  /** `stop` while a command waits for input: Ctrl-C it, and the next message is the learner's again. */
  async stopWaiting(ctx: TurnContext): Promise<void> {
    this.waiting.delete(ctx.key);
    await this.interrupt(ctx);
  }

  /**
   * Throws the sandbox away: the next command starts in a fresh one. Over the fresh-sandbox limit nothing is
   * removed (the learner keeps a working sandbox) and the refusal is returned; the first one of a window is
   * told to the learner unless `quiet` (the caller words it).
   */
  async resetSandbox(ctx: TurnContext, opts: { quiet?: boolean } = {}): Promise<ChurnDecision> {
    const d = this.deps.churn?.take(ctx.key) ?? { allowed: true };
    if (!d.allowed) {
      ctx.log.info({ notify: d.notify, retryInMs: d.retryInMs }, 'learner over the fresh-sandbox limit; sandbox kept');
      if (d.notify && !opts.quiet) await ctx.say({ text: churnText(d) });
      return d;
    }
    this.waiting.delete(ctx.key);
    await this.deps.sandboxes.reset(ctx.key);
    return d;
  }

  /** Commands still running in the background (the local chat waits for them before it quits). */
  get running(): number {
    return this.background.inFlight();
  }

  /**
   * Shutdown: waits for background commands until `signal` aborts; commands still running then stay
   * unfinished in the store, and the next start tells their learners they were interrupted.
   */
  async drain(signal: AbortSignal): Promise<boolean> {
    const done = await this.background.drain(signal);
    this.shuttingDown = true;
    return done;
  }

  /** Tells learners whose command was cut short by a restart; their sandbox and progress are kept. */
  async recoverAfterRestart(teamId: string, portFor: (teamId: string, userId: string, channel: string) => ConversationPort): Promise<number> {
    const runs = await this.deps.store.takeInterruptedRuns(teamId);
    for (const run of runs) {
      const channel = run.channel ?? (await this.deps.store.dmChannelOf(run.teamId, run.userId));
      if (!channel) continue;
      await portFor(run.teamId, run.userId, channel)
        .say({ text: `I restarted while \`${run.command}\` was running, so it was interrupted. Your sandbox and your progress are kept; run it again if you need to.` })
        .catch((err: unknown) => this.deps.log.warn({ err }, 'could not tell a learner about an interrupted command'));
    }
    return runs.length;
  }

  private async offerPreviews(ctx: TurnContext, previews: PreviewOffers): Promise<void> {
    const links = this.published.fresh(ctx.key, await previews.ports(ctx.key)).flatMap((port) => {
      const url = previews.linkFor(ctx.ref, port);
      return url ? [{ port, url }] : [];
    });
    if (links.length) await ctx.say(previewOfferReply(links));
  }

  /**
   * The command's row (kept for the restart message), written beside the command rather than before it: a class
   * typing at once queued for pooled connections ahead of every first output. A failed write only logs.
   */
  private record(ctx: TurnContext, command: string, channel: string | undefined): Promise<string | undefined> {
    return this.deps.store.startCommand({ learnerId: ctx.learner.id, command, channel }).catch((err: unknown) => {
      ctx.log.error({ err }, 'could not record a command run');
      return undefined;
    });
  }

  /** The end of a command's row, once its row is written (nothing when that failed). */
  private async recordEnd(ctx: TurnContext, runId: Promise<string | undefined>, end: Parameters<TutorStore['finishCommand']>[1]): Promise<void> {
    const id = await runId;
    if (id) await this.deps.store.finishCommand(id, end).catch((err: unknown) => ctx.log.error({ err }, 'could not record a command run'));
  }

  private track(ctx: TurnContext, p: Promise<void>): void {
    this.background.track(ctx.key, () => p).catch((err: unknown) => ctx.log.error({ err }, 'a background command failed'));
  }

  private async finish(ctx: TurnContext, command: string, runId: Promise<string | undefined>, view: { finish(o: CommandOutcome): Promise<void> }, run: () => Promise<CommandResult>): Promise<void> {
    let result: CommandResult;
    try {
      result = await run();
      if (this.shuttingDown) return;
    } catch (err) {
      if (this.shuttingDown) return;
      const friendly =
        err instanceof AppError && (err.code === 'RATE_LIMITED' || err.code === 'SANDBOX_HOST_DISK_FULL')
          ? err.message
          : `Your sandbox could not run that (${err instanceof AppError ? err.code : 'unexpected error'}). Try again, or \`reset\` for a fresh sandbox.`;
      if (!(err instanceof AppError)) ctx.log.error({ err }, 'command failed');
      await Promise.all([
        this.recordEnd(ctx, runId, { exitCode: null, durationMs: 0, outputBytes: 0, truncated: false, timedOut: false, interrupted: true }),
        view.finish({ command, output: '', exitCode: null, durationMs: 0, truncated: false, timedOut: false, interrupted: true, waitingForInput: false, notices: [friendly] }),
      ]);
      return;
    }
    if (result.waitingForInput) this.waiting.set(ctx.key, command);
    // dockerd's own line for a failed pull says nothing a learner can act on: one plain line says what to do.
    const pull = pullFailureLine(command, result.output, this.deps.offlineImages, this.deps.imagesCached);
    // the output is shown without waiting for the row's update (the row is for the restart message)
    await Promise.all([
      this.recordEnd(ctx, runId, {
        exitCode: result.exitCode,
        durationMs: Math.round(result.durationMs),
        outputBytes: Buffer.byteLength(result.output),
        truncated: result.truncated,
        timedOut: result.timedOut,
        interrupted: result.interrupted,
      }),
      view.finish({ command, ...result, notices: [...(pull ? [pull] : []), ...(result.notices ?? [])] }),
    ]);
    if (result.waitingForInput) return;
    if (this.deps.previews && result.exitCode === 0 && mayPublishPort(command)) await this.offerPreviews(ctx, this.deps.previews).catch((err: unknown) => ctx.log.warn({ err }, 'could not offer a port preview'));
    // The learner asked for a command, not a verdict: the automatic check (on the step they are on by then, if it
    // is checked automatically) speaks only when the step is done, after a class's burst of outputs (bounded).
    await this.burst.whenQuiet(CHECK_HOLD_MS);
    await this.checks.check(ctx, { quietUnlessDone: true });
  }
}
