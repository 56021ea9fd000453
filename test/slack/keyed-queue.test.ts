import { KeyedQueue } from '../../src/slack/keyed-queue';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('KeyedQueue', () => {
  it('runs the tasks of one key one at a time, in arrival order', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const first = deferred();
    const a = q.run('U1', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
    });
    const b = q.run('U1', async () => void log.push('b'));
    await settle();
    expect(log).toEqual(['a start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('runs different keys in parallel', async () => {
    const q = new KeyedQueue();
    const blocked = deferred();
    const slow = q.run('U1', () => blocked.promise);
    let otherRan = false;
    await q.run('U2', async () => void (otherRan = true));
    expect(otherRan).toBe(true);
    await settle();
    expect(q.pendingKeys).toBe(1);
    blocked.resolve();
    await slow;
  });

  it("passes each task's result or error to its caller, and a failure does not stop the next task", async () => {
    const q = new KeyedQueue();
    const failing = q.run('U1', async () => {
      throw new Error('boom');
    });
    const next = q.run('U1', async () => 42);
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once its queue is empty', async () => {
    const q = new KeyedQueue();
    const d = deferred();
    const p = q.run('U1', () => d.promise);
    const other = q.run('U2', async () => undefined);
    expect(q.pendingKeys).toBe(2);
    await other;
    await settle();
    expect(q.pendingKeys).toBe(1);
    d.resolve();
    await p;
    await settle();
    expect(q.pendingKeys).toBe(0);
  });
});
