import { LearnerLanes } from '../../../src/sandbox/lifecycle/learner-lanes';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const flush = () => new Promise((r) => setImmediate(r));

describe('learner lanes', () => {
  it('runs one learner’s commands one at a time, in the order sent', async () => {
    const lanes = new LearnerLanes();
    const log: string[] = [];
    const first = deferred();
    const a = lanes.enqueue('L', async () => {
      log.push('1 start');
      await first.promise;
      log.push('1 end');
    });
    const b = lanes.enqueue('L', async () => void log.push('2'));
    await flush();
    expect(log).toEqual(['1 start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['1 start', '1 end', '2']);
  });

  it('a failing command does not stop the next, and the caller still sees its error', async () => {
    const lanes = new LearnerLanes();
    const a = lanes.enqueue('L', async () => {
      throw new Error('bad');
    });
    const b = lanes.enqueue('L', async () => 'ok');
    await expect(a).rejects.toThrow('bad');
    await expect(b).resolves.toBe('ok');
  });

  it('different learners do not wait for each other', async () => {
    const lanes = new LearnerLanes();
    const hold = deferred();
    const a = lanes.enqueue('A', () => hold.promise);
    await expect(lanes.enqueue('B', async () => 'b')).resolves.toBe('b');
    hold.resolve();
    await a;
  });

  it('is busy while anything is queued, running or tracked, and idle after', async () => {
    const lanes = new LearnerLanes();
    const run = deferred();
    const script = deferred();
    const p = lanes.enqueue('L', () => run.promise);
    const s = lanes.track('L', () => script.promise);
    expect(lanes.busy('L')).toBe(true);
    run.resolve();
    await p;
    expect(lanes.busy('L')).toBe(true);
    script.reject(new Error('x'));
    await expect(s).rejects.toThrow('x');
    expect(lanes.busy('L')).toBe(false);
    expect(lanes.busy('nobody')).toBe(false);
  });
});
