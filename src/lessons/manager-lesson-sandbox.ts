import { randomBytes } from 'node:crypto';
import type { LessonSandbox, LessonSandboxFactory, ScriptRun, ScriptRunOptions } from './lesson-sandbox';

/** The part of the sandbox manager lessons use (SandboxManager fits it); keeps src/lessons free of sandbox imports. */
export interface ScriptSandboxes {
  execScript(learnerKey: string, script: string, opts: { timeoutMs?: number; outputCapBytes?: number }): Promise<ScriptRun>;
  checkScript(learnerKey: string, script: string, opts: { timeoutMs?: number; outputCapBytes?: number; seed?: string }): Promise<ScriptRun>;
  newSeed(learnerKey: string, name: string): Promise<string>;
  reset(learnerKey: string): Promise<void>;
}

/** A lesson sandbox for one learner key of the sandbox manager. */
export class ManagerLessonSandbox implements LessonSandbox {
  constructor(
    private readonly sandboxes: ScriptSandboxes,
    readonly learnerKey: string,
  ) {}

  run(script: string, opts: ScriptRunOptions): Promise<ScriptRun> {
    return this.sandboxes.execScript(this.learnerKey, script, opts);
  }

  check(script: string, opts: ScriptRunOptions & { seed?: string }): Promise<ScriptRun> {
    return this.sandboxes.checkScript(this.learnerKey, script, opts);
  }

  newSeed(name: string): Promise<string> {
    return this.sandboxes.newSeed(this.learnerKey, name);
  }

  dispose(): Promise<void> {
    return this.sandboxes.reset(this.learnerKey);
  }
}

/** Each lesson test gets a fresh learner key, so the manager starts an empty sandbox for it and `reset` removes it. */
export class ManagerLessonSandboxFactory implements LessonSandboxFactory {
  constructor(
    private readonly sandboxes: ScriptSandboxes,
    private readonly keyPrefix = 'lesson-test',
  ) {}

  async create(name: string): Promise<LessonSandbox> {
    const sandbox = new ManagerLessonSandbox(this.sandboxes, `${this.keyPrefix}:${name}:${randomBytes(3).toString('hex')}`);
    // Start it now, so a sandbox that cannot start is reported as such rather than as a failing setup or check.
    const probe = await sandbox.run('true', { timeoutMs: 60_000 });
    if (probe.exitCode !== 0) {
      await sandbox.dispose().catch(() => undefined);
      throw new Error(`the new sandbox did not run a trivial script (exit ${probe.exitCode}${probe.timedOut ? ', timed out' : ''})`);
    }
    return sandbox;
  }
}
