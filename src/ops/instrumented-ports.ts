import type { CommandResult, SandboxPort } from '../sandbox';
import type { TutorStore } from '../store';
import type { ChallengeHooks } from '../tutor';
import type { BotMetrics, CommandOutcome } from './metrics';

export function commandOutcome(r: CommandResult): CommandOutcome {
  if (r.timedOut) return 'timeout';
  if (r.waitingForInput) return 'waiting_input';
  if (r.interrupted) return 'interrupted';
  return r.exitCode === 0 ? 'ok' : 'nonzero';
}

/**
 * `target` with one method replaced; every other member (including ones added to the port later) is
 * forwarded to the target, bound to it.
 */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof T];
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/**
 * The sandbox port with each learner command timed (from the tutor's call to its result: the wait in line
 * and a sandbox start count, as the learner feels them). Everything else passes through, events included.
 */
export function timedSandboxPort<P extends Pick<SandboxPort, 'run'>>(port: P, metrics: BotMetrics, now: () => number = () => performance.now()): P {
  const run: SandboxPort['run'] = async (learnerKey, command, opts) => {
    const started = now();
    try {
      const r = await port.run(learnerKey, command, opts);
      metrics.command((now() - started) / 1000, commandOutcome(r));
      return r;
    } catch (err) {
      metrics.command((now() - started) / 1000, 'error');
      throw err;
    }
  };
  return overriding<P>(port, { run } as Partial<P>);
}

/** The challenge hooks with every check that ran counted (the tutor reports each check's result through onCheck). */
export function countedChecks<H extends ChallengeHooks>(hooks: H, metrics: BotMetrics): H {
  const onCheck: ChallengeHooks['onCheck'] = (learnerId, lessonId, passed) => {
    metrics.check(passed);
    return hooks.onCheck(learnerId, lessonId, passed);
  };
  return overriding<H>(hooks, { onCheck } as Partial<H>);
}

/**
 * The tutor's store with lessons counted: started when a lesson begins at its first step (a resumed one is not
 * counted again; a restart or a challenge attempt is), completed when the step done was the lesson's last and the
 * learner was on it (a late duplicate click, which the store ignores, is not counted).
 */
export function countedLessons<S extends Pick<TutorStore, 'startLesson' | 'completeStep' | 'activeLesson'>>(store: S, metrics: BotMetrics): S {
  const startLesson: TutorStore['startLesson'] = async (learnerId, lessonId, firstStepId, opts) => {
    const r = await store.startLesson(learnerId, lessonId, firstStepId, opts);
    if (!r.resumed) metrics.lesson('started', lessonId);
    return r;
  };
  const completeStep: TutorStore['completeStep'] = async (learnerId, lessonId, stepId, nextStepId, opts) => {
    const on = nextStepId === null ? await store.activeLesson(learnerId) : null;
    await store.completeStep(learnerId, lessonId, stepId, nextStepId, opts);
    if (on?.lessonId === lessonId && on.stepId === stepId) metrics.lesson('completed', lessonId);
  };
  return overriding<S>(store, { startLesson, completeStep } as Partial<S>);
}
