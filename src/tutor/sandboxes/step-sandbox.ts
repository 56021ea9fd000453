import type { LessonSandbox } from '../../lessons';
import type { SandboxPort } from '../../sandbox';

/**
 * The learner's sandbox as a step's setup and check see it: the tutor's own sandbox port bound to the learner's
 * key. The tutor talks to the sandbox directly; the lesson code only decides what to run and how to read it.
 */
export function stepSandbox(sandboxes: Pick<SandboxPort, 'execScript' | 'checkScript' | 'newSeed'>, key: string): Pick<LessonSandbox, 'run' | 'check' | 'newSeed'> {
  return {
    run: (script, opts) => sandboxes.execScript(key, script, opts),
    check: (script, opts) => sandboxes.checkScript(key, script, opts),
    newSeed: (name) => sandboxes.newSeed(key, name),
  };
}
