import type { CheckOptions, CommandResult, RunOptions, SandboxEvent, SandboxPort, SandboxStats, ScriptOptions, ScriptResult } from '../../../src/sandbox';

type Match = string | RegExp | ((text: string) => boolean);
type Scripted<T> = Partial<T> | Error | ((text: string, learnerKey: string) => Partial<T> | Error | Promise<Partial<T> | Error>);

export type SandboxCall =
  | { op: 'run'; learnerKey: string; command: string; timeoutMs?: number }
  | { op: 'sendInput'; learnerKey: string; text: string }
  | { op: 'interrupt'; learnerKey: string }
  | { op: 'execScript'; learnerKey: string; script: string; timeoutMs?: number; outputCapBytes?: number }
  | { op: 'checkScript'; learnerKey: string; script: string; timeoutMs?: number; outputCapBytes?: number; seed?: string }
  | { op: 'newSeed'; learnerKey: string; name: string; value: string }
  | { op: 'reset'; learnerKey: string }
  | { op: 'prepare'; learnerKey: string }
  | { op: 'prewarm'; count: number; forMinutes?: number };

interface Rule<T> {
  match: Match;
  result: Scripted<T>;
  /** Screens passed to onOutput before the result (commands only). */
  screens: string[];
  times: number;
}

const matches = (m: Match, text: string) => (typeof m === 'string' ? text === m || text.includes(m) : m instanceof RegExp ? m.test(text) : m(text));

export const commandResult = (over: Partial<CommandResult> = {}): CommandResult => ({ output: '', exitCode: 0, durationMs: 5, truncated: false, timedOut: false, interrupted: false, waitingForInput: false, ...over });
export const scriptRun = (over: Partial<ScriptResult> = {}): ScriptResult => ({ exitCode: 0, output: '', timedOut: false, truncated: false, durationMs: 5, ...over });

/**
 * The sandbox contract (SandboxPort) with scripted answers instead of containers. Rules are tried newest
 * first; a rule may be limited to a number of uses. Unmatched commands and scripts succeed with no output.
 * Every call is recorded in `calls`; emit() plays a sandbox event to whoever listens (the composition root).
 */
export class FakeSandbox implements SandboxPort {
  readonly calls: SandboxCall[] = [];
  private readonly commandRules: Rule<CommandResult>[] = [];
  private readonly scriptRules: Rule<ScriptResult>[] = [];
  private readonly inputRules: Rule<CommandResult>[] = [];
  /** Learner keys whose last command waits for input (set by a result with waitingForInput). */
  readonly waiting = new Set<string>();
  private interruptResult: CommandResult | undefined;
  private readonly listeners = new Set<(e: SandboxEvent) => void>();

  /** How a command (matched by its text) answers; `screens` are streamed to onOutput first. */
  onCommand(match: Match, result: Scripted<CommandResult>, opts: { screens?: string[]; times?: number } = {}): this {
    this.commandRules.unshift({ match, result, screens: opts.screens ?? [], times: opts.times ?? Infinity });
    return this;
  }

  /** How a script (a check, a step setup) answers; matched by the script text. */
  onScript(match: Match, result: Scripted<ScriptResult>, opts: { times?: number } = {}): this {
    this.scriptRules.unshift({ match, result, screens: [], times: opts.times ?? Infinity });
    return this;
  }

  /** Every check script (matched by `check`, the step's check text) passes with `message` as its last line. */
  passCheck(check: Match, message = 'OK'): this {
    return this.onScript(check, { exitCode: 0, output: `${message}\n` });
  }

  /** Every check script (matched by `check`) fails with `message` as its last line. */
  failCheck(check: Match, message = 'FAIL: not yet'): this {
    return this.onScript(check, { exitCode: 1, output: `${message}\n` });
  }

  /** How input typed into a waiting command answers. */
  onInput(match: Match, result: Scripted<CommandResult>, opts: { times?: number } = {}): this {
    this.inputRules.unshift({ match, result, screens: [], times: opts.times ?? Infinity });
    return this;
  }

  /** What interrupt() returns (undefined: nothing was running). */
  onInterrupt(result: Partial<CommandResult> | undefined): this {
    this.interruptResult = result && commandResult({ interrupted: true, exitCode: null, ...result });
    return this;
  }

  callsOf<K extends SandboxCall['op']>(op: K): Extract<SandboxCall, { op: K }>[] {
    return this.calls.filter((c): c is Extract<SandboxCall, { op: K }> => c.op === op);
  }

  async run(learnerKey: string, command: string, opts: RunOptions = {}): Promise<CommandResult> {
    this.calls.push({ op: 'run', learnerKey, command, timeoutMs: opts.timeoutMs });
    const rule = this.take(this.commandRules, command);
    for (const screen of rule?.screens ?? []) opts.onOutput?.(screen);
    const result = commandResult(await this.resolve(rule, command, learnerKey));
    if (result.waitingForInput) this.waiting.add(learnerKey);
    return result;
  }

  async sendInput(learnerKey: string, text: string): Promise<CommandResult> {
    this.calls.push({ op: 'sendInput', learnerKey, text });
    const result = commandResult(await this.resolve(this.take(this.inputRules, text), text, learnerKey));
    if (!result.waitingForInput) this.waiting.delete(learnerKey);
    return result;
  }

  async interrupt(learnerKey: string): Promise<CommandResult | undefined> {
    this.calls.push({ op: 'interrupt', learnerKey });
    this.waiting.delete(learnerKey);
    return this.interruptResult;
  }

  async execScript(learnerKey: string, script: string, opts: ScriptOptions = {}): Promise<ScriptResult> {
    this.calls.push({ op: 'execScript', learnerKey, script, timeoutMs: opts.timeoutMs, outputCapBytes: opts.outputCapBytes });
    return scriptRun(await this.resolve(this.take(this.scriptRules, script), script, learnerKey));
  }

  /** Checks (the trusted runner) answer from the same script rules as setups. */
  async checkScript(learnerKey: string, script: string, opts: CheckOptions = {}): Promise<ScriptResult> {
    this.calls.push({ op: 'checkScript', learnerKey, script, timeoutMs: opts.timeoutMs, outputCapBytes: opts.outputCapBytes, seed: opts.seed });
    return scriptRun(await this.resolve(this.take(this.scriptRules, script), script, learnerKey));
  }

  /** Seeds are 1001, 1002, ... in call order. */
  async newSeed(learnerKey: string, name: string): Promise<string> {
    const value = String(1001 + this.callsOf('newSeed').length);
    this.calls.push({ op: 'newSeed', learnerKey, name, value });
    return value;
  }

  /** Learner keys prepared so far (prepare() is fire-and-forget for the tutor). */
  async prepare(learnerKey: string): Promise<void> {
    this.calls.push({ op: 'prepare', learnerKey });
  }

  /** Answers that every sandbox asked for will be kept warm. */
  prewarm(count: number, forMinutes?: number): number {
    this.calls.push({ op: 'prewarm', count, forMinutes });
    return count;
  }

  async reset(learnerKey: string): Promise<void> {
    this.calls.push({ op: 'reset', learnerKey });
    this.waiting.delete(learnerKey);
  }

  on(listener: (e: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Plays a sandbox event (queued, crashed, OOM, disk full...) to every listener, as the manager reports one. */
  emit(event: SandboxEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** No containers: nothing exists, starts or waits. */
  stats(): SandboxStats {
    return { sandboxes: 0, creating: 0, warm: 0, queued: 0 };
  }

  private take<T>(rules: Rule<T>[], text: string): Rule<T> | undefined {
    const rule = rules.find((r) => r.times > 0 && matches(r.match, text));
    if (rule) rule.times -= 1;
    return rule;
  }

  private async resolve<T>(rule: Rule<T> | undefined, text: string, learnerKey: string): Promise<Partial<T>> {
    if (!rule) return {};
    const out = typeof rule.result === 'function' ? await rule.result(text, learnerKey) : rule.result;
    if (out instanceof Error) throw out;
    return out;
  }
}
