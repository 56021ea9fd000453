import { LessonCatalog } from '../../src/lessons/lesson-catalog';
import type { CommandResult } from '../../src/sandbox/types';
import type { LearnerStore, TutorStore } from '../../src/store/types';
import type { CommandOutcome, ConversationPort, Reply } from '../../src/tutor/reply';
import { Tutor, type TutorSandboxes as SandboxPort } from '../../src/tutor/tutor';
import { captureLogs } from '../support/capture-logs';

/** A command the test finishes by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const result = (output: string): CommandResult => ({ output, exitCode: 0, durationMs: 5, truncated: false, timedOut: false, interrupted: false, waitingForInput: false });

/** The tutor on in-memory fakes: no database, no Docker. */
function setup() {
  const learner = { id: 'L1', teamId: 'T1', userId: 'U1', displayName: null, firstSeenAt: new Date(0) };
  const learners: LearnerStore = { find: async () => learner, ensureLearner: async () => ({ learner, created: false }), addLearner: async () => ({ learner, created: false }), setDisplayName: async () => undefined };
  const store = {
    activeLesson: async () => null,
    startCommand: jest.fn(async () => 'run-1'),
    finishCommand: jest.fn(async () => undefined),
    summaries: async () => [],
  } as unknown as TutorStore;
  const runs: ReturnType<typeof deferred<CommandResult>>[] = [];
  const sandboxes: SandboxPort = {
    run: jest.fn(() => {
      const d = deferred<CommandResult>();
      runs.push(d);
      return d.promise;
    }),
    sendInput: async () => result(''),
    interrupt: async () => undefined,
    execScript: async () => ({ exitCode: 0, output: '', timedOut: false }) as never,
    checkScript: async () => ({ exitCode: 0, output: '', timedOut: false }) as never,
    newSeed: async () => '1',
    reset: async () => undefined,
  };
  const finished: CommandOutcome[] = [];
  const said: Reply[] = [];
  const port: ConversationPort = {
    say: async (r) => void said.push(r),
    commandView: async () => ({ update: () => undefined, finish: async (o) => void finished.push(o) }),
  };
  const { log } = captureLogs();
  const tutor = new Tutor({ learners, store, catalog: new LessonCatalog([]), sandboxes, log });
  const ref = { teamId: 'T1', userId: 'U1' };
  return { tutor, port, ref, runs, finished, said, store, sandboxes };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('Tutor.drain(signal)', () => {
  it('is true at once with nothing running, even when the signal has already aborted', async () => {
    const { tutor } = setup();
    await expect(tutor.drain(AbortSignal.abort())).resolves.toBe(true);
  });

  it('is false at once when a command is still running and the signal has already aborted', async () => {
    const { tutor, port, ref, runs } = setup();
    await tutor.onMessage(ref, '$ sleep 300', port);
    expect(runs).toHaveLength(1);
    await expect(tutor.drain(AbortSignal.abort())).resolves.toBe(false);
  });

  it('waits for running commands and is true when they finish before the signal aborts', async () => {
    const { tutor, port, ref, runs, finished, sandboxes } = setup();
    await tutor.onMessage(ref, '$ echo hi', port);
    expect(sandboxes.run).toHaveBeenCalledWith('T1:U1', 'echo hi', expect.anything());
    const controller = new AbortController();
    let done: boolean | undefined;
    const draining = tutor.drain(controller.signal).then((d) => (done = d));
    await settle();
    expect(done).toBeUndefined();
    runs[0]!.resolve(result('hi'));
    await draining;
    expect(done).toBe(true);
    expect(finished.map((o) => o.output)).toEqual(['hi']);
  });

  it('stops waiting when the signal aborts; a result arriving later is not shown (the next start reports it)', async () => {
    const { tutor, port, ref, runs, finished, store } = setup();
    await tutor.onMessage(ref, '$ sleep 300', port);
    const controller = new AbortController();
    const draining = tutor.drain(controller.signal);
    await settle();
    controller.abort();
    await expect(draining).resolves.toBe(false);
    runs[0]!.resolve(result('late'));
    await settle();
    expect(finished).toEqual([]);
    expect(store.finishCommand).not.toHaveBeenCalled();
  });
});
