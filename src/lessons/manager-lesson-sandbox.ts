import { randomBytes } from 'node:crypto';
import type { CheckOptions, SandboxPort, ScriptResult } from '../sandbox';
import type { LessonSandbox, LessonSandboxFactory, ScriptRunOptions } from './lesson-sandbox';

/** The script side of the sandbox contract, which is all lessons use. */
export type ScriptSandboxes = Pick<SandboxPort, 'execScript' | 'checkScript' | 'newSeed' | 'reset'>;

/** A lesson sandbox: one key of the sandbox contract, bound. */
export class ManagerLessonSandbox implements LessonSandbox {
  constructor(
    private readonly sandboxes: ScriptSandboxes,
    readonly learnerKey: string,
  ) {}

  run(script: string, opts: ScriptRunOptions): Promise<ScriptResult> {
    return this.sandboxes.execScript(this.learnerKey, script, opts);
  }

  check(script: string, opts: CheckOptions & { timeoutMs: number }): Promise<ScriptResult> {
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
