import { KeyedLanes } from '../../src/kit';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const flush = () => new Promise((r) => setImmediate(r));
const settle = flush;

describe('keyed lanes: one learner\'s sandbox work (the sandbox manager)', () => {
  it('runs one learner’s commands one at a time, in the order sent', async () => {
    const lanes = new KeyedLanes();
    const log: string[] = [];
    const first = deferred();
    const a = lanes.run('L', async () => {
      log.push('1 start');
      await first.promise;
      log.push('1 end');
    });
    const b = lanes.run('L', async () => void log.push('2'));
    await flush();
    expect(log).toEqual(['1 start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['1 start', '1 end', '2']);
  });

  it('a failing command does not stop the next, and the caller still sees its error', async () => {
    const lanes = new KeyedLanes();
    const a = lanes.run('L', async () => {
      throw new Error('bad');
    });
    const b = lanes.run('L', async () => 'ok');
    await expect(a).rejects.toThrow('bad');
    await expect(b).resolves.toBe('ok');
  });

  it('different learners do not wait for each other', async () => {
    const lanes = new KeyedLanes();
    const hold = deferred();
    const a = lanes.run('A', () => hold.promise);
    await expect(lanes.run('B', async () => 'b')).resolves.toBe('b');
    hold.resolve();
    await a;
  });

  it('is busy while anything is queued, running or tracked, and idle after', async () => {
    const lanes = new KeyedLanes();
    const run = deferred();
    const script = deferred();
    const p = lanes.run('L', () => run.promise);
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

describe('keyed lanes: one sender\'s requests in order (the Slack middleware)', () => {
  it('runs the tasks of one key one at a time, in arrival order', async () => {
    const q = new KeyedLanes();
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
    const q = new KeyedLanes();
    const blocked = deferred();
    const slow = q.run('U1', () => blocked.promise);
    let otherRan = false;
    await q.run('U2', async () => void (otherRan = true));
    expect(otherRan).toBe(true);
    await settle();
    expect(q.size).toBe(1);
    blocked.resolve();
    await slow;
  });

  it("passes each task's result or error to its caller, and a failure does not stop the next task", async () => {
    const q = new KeyedLanes();
    const failing = q.run('U1', async () => {
      throw new Error('boom');
    });
    const next = q.run('U1', async () => 42);
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once its queue is empty', async () => {
    const q = new KeyedLanes();
    const d = deferred();
    const p = q.run('U1', () => d.promise);
    const other = q.run('U2', async () => undefined);
    expect(q.size).toBe(2);
    await other;
    await settle();
    expect(q.size).toBe(1);
    d.resolve();
    await p;
    await settle();
    expect(q.size).toBe(0);
  });
});

describe('keyed lanes: counting, sharing and draining', () => {
  it('counts what is in flight per key and in all, and forgets a key the moment its lane empties', async () => {
    const idle: string[] = [];
    const lanes = new KeyedLanes({ onIdle: (k) => idle.push(k) });
    const a = deferred();
    const b = deferred();
    const pa = lanes.run('A', () => a.promise);
    const pb = lanes.track('A', () => b.promise);
    const pc = lanes.track('C', async () => 'c');
    expect([lanes.inFlight('A'), lanes.inFlight('C'), lanes.inFlight(), lanes.size]).toEqual([2, 1, 3, 2]);
    await pc;
    expect([lanes.busy('C'), lanes.inFlight('C'), lanes.size, idle]).toEqual([false, 0, 1, ['C']]);
    a.resolve();
    await pa;
    expect(lanes.busy('A')).toBe(true);
    b.resolve();
    await pb;
    expect([lanes.busy('A'), lanes.inFlight(), lanes.size, idle]).toEqual([false, 0, 0, ['C', 'A']]);
  });

  it('tells the idle hook before the last caller sees its result', async () => {
    const seen: string[] = [];
    const lanes = new KeyedLanes({ onIdle: () => seen.push('idle') });
    await lanes.run('A', async () => void seen.push('task')).then(() => seen.push('caller'));
    expect(seen).toEqual(['task', 'idle', 'caller']);
  });

  it('once: concurrent callers share the work under way; after it settles, the next call starts new work', async () => {
    const lanes = new KeyedLanes();
    let starts = 0;
    const gate = deferred<string>();
    const work = () => {
      starts++;
      return gate.promise;
    };
    const first = lanes.once('L', work);
    const second = lanes.once('L', work);
    expect(second).toBe(first);
    expect(lanes.once('other', async () => 'x')).not.toBe(first);
    gate.resolve('box');
    await expect(second).resolves.toBe('box');
    expect(starts).toBe(1);
    await expect(lanes.once('L', async () => 'fresh')).resolves.toBe('fresh');
  });

  it('once: a failure reaches every caller sharing it, and is not shared afterwards', async () => {
    const lanes = new KeyedLanes();
    const gate = deferred<string>();
    const first = lanes.once('L', () => gate.promise);
    const second = lanes.once('L', async () => 'never');
    gate.reject(new Error('no room'));
    await expect(first).rejects.toThrow('no room');
    await expect(second).rejects.toThrow('no room');
    await expect(lanes.once('L', async () => 'again')).resolves.toBe('again');
  });

  it('track: a task that throws at once becomes a rejection, and still leaves the lane clean', async () => {
    const lanes = new KeyedLanes();
    await expect(
      lanes.track('L', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(lanes.busy('L')).toBe(false);
  });

  it('settled(key) waits for what is in flight for that key now, failures included, and not for other keys', async () => {
    const lanes = new KeyedLanes();
    const a = deferred();
    const other = deferred();
    const pa = lanes.track('A', () => a.promise).catch(() => undefined);
    const pb = lanes.track('B', () => other.promise);
    let done = false;
    const waiting = lanes.settled('A').then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    a.reject(new Error('x'));
    await waiting;
    await pa;
    expect(done).toBe(true);
    await expect(lanes.settled('nobody')).resolves.toBeUndefined();
    other.resolve();
    await pb;
  });

  it('drain: true once everything in flight has settled', async () => {
    const lanes = new KeyedLanes();
    const a = deferred();
    const work = [lanes.run('A', () => a.promise), lanes.track('B', async () => undefined)];
    const drained = lanes.drain(new AbortController().signal);
    a.resolve();
    await expect(drained).resolves.toBe(true);
    await Promise.all(work);
    expect(lanes.size).toBe(0);
  });

  it('drain: false when the deadline comes first; idle is true even past the deadline', async () => {
    const lanes = new KeyedLanes();
    const stuck = deferred();
    const work = lanes.run('A', () => stuck.promise);
    const deadline = new AbortController();
    const drained = lanes.drain(deadline.signal);
    deadline.abort();
    await expect(drained).resolves.toBe(false);
    const late = new AbortController();
    late.abort();
    await expect(lanes.drain(late.signal)).resolves.toBe(false);
    stuck.resolve();
    await work;
    await expect(lanes.drain(late.signal)).resolves.toBe(true);
  });
});
