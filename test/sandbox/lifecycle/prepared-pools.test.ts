import pino from 'pino';
import { SandboxAllocator } from '../../../src/sandbox/lifecycle/sandbox-allocator';
import type { SandboxInfo, SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';

type WarmSandboxLike = { id: string };

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/**
 * The bookkeeping of the prepared (challenge) pools inside the allocator, with a fake runtime whose creations
 * finish when the test says so and whose script result the test picks. Times come from an injected clock.
 */
function setup(o: { maxSandboxes: number; maxPerWorkspace?: number; scriptExit?: () => number; noRoom?: () => boolean }) {
  let n = 0;
  let clock = 1_000;
  const pending: Array<{ id: string; resolve: () => void }> = [];
  const removed: string[] = [];
  const renamed: string[] = [];
  const scripts: Array<{ id: string; script: string }> = [];
  const runtime = {
    inspectors: { ensure: async (id: string) => `${id}-inspector` },
    create: (learnerKey: string, role: string) =>
      new Promise<SandboxInfo>((resolve, reject) => {
        if (o.noRoom?.()) return reject(new Error('The host is out of disk space for new sandboxes right now'));
        const info = { id: `c${++n}`, learnerKey, createdAt: clock, running: true, role };
        pending.push({ id: info.id, resolve: () => resolve(info) });
      }),
    exec: async (id: string, script: string) => {
      scripts.push({ id, script });
      return { exitCode: o.scriptExit?.() ?? 0, output: 'Error response from daemon: mirror down', timedOut: false, truncated: false, durationMs: 1 };
    },
    remove: async (id: string) => void removed.push(id),
    instance: 'T',
    docker: { getContainer: (id: string) => ({ rename: async () => void renamed.push(id) }) },
  } as unknown as SandboxRuntime;
  const live = new Set<string>();
  const alloc = new SandboxAllocator({
    runtime,
    logger: pino({ level: 'silent' }),
    config: { maxSandboxes: o.maxSandboxes, warmPool: 0, maxPerWorkspace: o.maxPerWorkspace },
    now: () => clock,
    live: () => live.size,
    liveKeys: () => live,
    emit: () => undefined,
  });
  alloc.open();
  /** Resolves every creation under way (and those its completions start, until none is left). */
  const finishAll = async () => {
    for (let p = pending.shift(); p; p = pending.shift()) {
      p.resolve();
      await flush();
    }
  };
  const get = (k: string, prefer?: string) => alloc.acquire(k, (info) => (live.add(k), info.id), prefer);
  return { alloc, pending, removed, renamed, scripts, live, get, finishAll, setClock: (t: number) => void (clock = t) };
}

describe('prepared sandbox pools (warm sandboxes kept for a challenge)', () => {
  it('keeps `count` sandboxes with the script run in each; a claim hands out one nobody had, once, and the pool refills with new ones', async () => {
    const s = setup({ maxSandboxes: 10 });
    await s.alloc.keepPrepared('race', { count: 2, script: 'docker pull -q nginx' });
    expect(s.pending).toHaveLength(2);
    await s.finishAll();
    expect(s.alloc.stats().prepared).toBe(2);
    expect(s.scripts.map((x) => x.script)).toEqual(['docker pull -q nginx', 'docker pull -q nginx']);
    const prepared = s.scripts.map((x) => x.id);

    const a = await s.get('T1:alice', 'race');
    expect(prepared).toContain(a);
    expect(s.renamed).toEqual([a]);
    expect(s.alloc.prepared.tookFrom(a, 'race')).toBe(true);
    expect(s.alloc.prepared.tookFrom(a, 'race')).toBe(false);
    // refilled with a sandbox that did not exist before
    await flush();
    expect(s.pending).toHaveLength(1);
    const refill = s.pending[0]!.id;
    expect(prepared).not.toContain(refill);
    await s.finishAll();

    const b = await s.get('T1:bob', 'race');
    expect(b).not.toBe(a);
    expect([...prepared, refill]).toContain(b);
    // a learner who does not ask for the pool never gets one of its sandboxes
    const pc = s.get('T1:carol');
    await flush();
    await s.finishAll();
    const c = await pc;
    expect([...prepared, refill]).not.toContain(c);
    expect(s.alloc.prepared.tookFrom(c, 'race')).toBe(false);
  });

  it('a claim with none ready waits for one of the pool still starting, and gets it (not a sandbox of its own)', async () => {
    const s = setup({ maxSandboxes: 10 });
    await s.alloc.keepPrepared('race', { count: 1, script: 'true' });
    // the pool's one is still starting: the claim waits for it rather than starting a second beside it
    const got = s.get('T1:alice', 'race');
    await flush();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()!.resolve();
    await flush();
    const id = await got;
    expect(s.alloc.prepared.tookFrom(id, 'race')).toBe(true);
    await s.finishAll();
  });

  it('claims beyond the sandboxes starting start their own at once; a start that fails sends its waiter to start one too', async () => {
    const s = setup({ maxSandboxes: 10, scriptExit: () => 1 });
    await s.alloc.keepPrepared('race', { count: 1, script: 'docker pull -q nginx' });
    const alice = s.get('T1:alice', 'race');
    const bob = s.get('T1:bob', 'race');
    await flush();
    // one starting for the pool, one for bob (nothing left for him to wait for); alice waits for the pool's
    expect(s.pending).toHaveLength(2);
    // the pool's start settles, its script fails: alice starts her own now
    s.pending.shift()!.resolve();
    await flush();
    expect(s.pending.length).toBeGreaterThanOrEqual(2);
    await s.finishAll();
    const [a, b] = await Promise.all([alice, bob]);
    expect(s.alloc.prepared.tookFrom(a, 'race')).toBe(false);
    expect(s.alloc.prepared.tookFrom(b, 'race')).toBe(false);
  });

  it('a claim waits at most its limit for a start that does not finish, then goes on without one', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const s = setup({ maxSandboxes: 10 });
      await s.alloc.keepPrepared('race', { count: 1, script: 'true' });
      let got: WarmSandboxLike | undefined | 'pending' = 'pending';
      const claim = s.alloc.prepared.claim('race', 'T1:alice', 5_000).then((w) => void (got = w));
      await flush();
      expect(got).toBe('pending');
      jest.advanceTimersByTime(4_999);
      await flush();
      expect(got).toBe('pending');
      s.setClock(1_000 + 5_000);
      jest.advanceTimersByTime(1);
      await claim;
      expect(got).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('while learners start theirs (a burst of accepts, a class arriving one by one) the pool refills one at a time, never starved', async () => {
    const s = setup({ maxSandboxes: 10 });
    await s.alloc.keepPrepared('race', { count: 2, script: 'true' });
    await s.finishAll();
    const a = s.get('T1:alice', 'race');
    const b = s.get('T1:bob', 'race');
    const c = s.get('T1:carol', 'race');
    await flush();
    // alice and bob got the warm ones; carol's cold start, and beside it one refill, not two
    expect(s.pending).toHaveLength(2);
    // learners keep starting one after another: each refill that ends lets the next one in
    const dave = s.get('T1:dave');
    await flush();
    expect(s.pending).toHaveLength(3);
    s.pending.shift()!.resolve(); // carol's
    await flush();
    s.pending.shift()!.resolve(); // the first refill
    await flush();
    expect(s.alloc.stats().prepared).toBe(1);
    // dave still starting: the second refill began anyway
    expect(s.pending).toHaveLength(2);
    await s.finishAll();
    await Promise.all([a, b, c, dave]);
    expect(s.alloc.stats().prepared).toBe(2);
  });

  it('keepPrepared with readyWithinMs resolves once the pool is ready (the challenge card waits for it)', async () => {
    const s = setup({ maxSandboxes: 10 });
    let resolved = false;
    const kept = s.alloc.keepPrepared('race', { count: 2, script: 'true', readyWithinMs: 60_000 }).then(() => void (resolved = true));
    await flush();
    expect(s.pending).toHaveLength(2);
    s.pending.shift()!.resolve();
    await new Promise((r) => setTimeout(r, 300));
    expect(resolved).toBe(false);
    s.pending.shift()!.resolve();
    await kept;
    expect(s.alloc.stats().prepared).toBe(2);
  });

  it('keepPrepared with readyWithinMs does not wait for sandboxes the cap leaves no room for', async () => {
    const s = setup({ maxSandboxes: 1 });
    const kept = s.alloc.keepPrepared('race', { count: 3, script: 'true', readyWithinMs: 60_000 });
    await flush();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()!.resolve();
    await kept;
    expect(s.alloc.stats().prepared).toBe(1);
  });

  it('never holds more than the global cap, and gives a slot back to a learner at the cap', async () => {
    const s = setup({ maxSandboxes: 3 });
    await s.alloc.keepPrepared('race', { count: 5, script: 'true' });
    expect(s.pending).toHaveLength(3);
    await s.finishAll();
    expect(s.alloc.stats().prepared).toBe(3);
    // a learner who is not racing still gets a sandbox: one prepared sandbox goes for it
    const got = s.get('T1:dm-learner');
    await flush();
    expect(s.removed).toHaveLength(1);
    await s.finishAll();
    await got;
    expect(s.live.size + s.alloc.stats().prepared).toBeLessThanOrEqual(3);
  });

  it("stays within the workspace's quota with its learners' sandboxes, and gives way when its learners need one", async () => {
    const s = setup({ maxSandboxes: 20, maxPerWorkspace: 2 });
    s.live.add('T1:alice');
    await s.alloc.keepPrepared('race', { count: 4, script: 'true', workspace: 'T1' });
    // alice holds one of T1's two: the pool gets the other
    expect(s.pending).toHaveLength(1);
    await s.finishAll();
    expect(s.alloc.stats().prepared).toBe(1);
    // another workspace's pool is not limited by T1's
    await s.alloc.keepPrepared('other', { count: 2, script: 'true', workspace: 'T2' });
    expect(s.pending).toHaveLength(2);
    await s.finishAll();
    // bob (T1) needs a sandbox outside the race: T1's prepared one is given back first
    const got = s.get('T1:bob');
    await flush();
    expect(s.alloc.prepared.readyIn('race')).toBe(0);
    expect(s.alloc.prepared.readyIn('other')).toBe(2);
    await s.finishAll();
    await got;
    expect(s.live.size).toBe(2);
    // T1 is full: the pool does not refill
    s.alloc.fill();
    expect(s.pending).toHaveLength(0);
  });

  it('a learner of a full workspace waits for a prepared sandbox still starting, then gets a slot', async () => {
    const s = setup({ maxSandboxes: 20, maxPerWorkspace: 1 });
    await s.alloc.keepPrepared('race', { count: 1, script: 'true', workspace: 'T1' });
    expect(s.pending).toHaveLength(1);
    let done = false;
    const got = s.get('T1:bob').then(() => (done = true));
    await flush();
    // no creation for bob while the pool's one would take T1 past its quota
    expect(s.pending).toHaveLength(1);
    expect(done).toBe(false);
    await s.finishAll();
    await got;
    expect(s.removed).toHaveLength(1);
    expect(s.live.size).toBe(1);
  });

  it('a sandbox whose script fails is removed, and the pool waits before the next start, twice as long each time (injected clock)', async () => {
    let exit = 1;
    const s = setup({ maxSandboxes: 10, scriptExit: () => exit });
    await s.alloc.keepPrepared('race', { count: 1, script: 'docker pull -q nginx' });
    await s.finishAll();
    expect(s.scripts).toHaveLength(1);
    expect(s.removed).toHaveLength(1);
    // paused for 5 s: settling (and any other fill) starts nothing meanwhile
    s.alloc.fill();
    expect(s.pending).toHaveLength(0);
    s.setClock(1_000 + 5_000);
    s.alloc.fill();
    expect(s.pending).toHaveLength(1);
    await s.finishAll();
    expect(s.removed).toHaveLength(2);
    // the second failure in a row: 10 s
    s.setClock(1_000 + 5_000 + 9_000);
    s.alloc.fill();
    expect(s.pending).toHaveLength(0);
    exit = 0;
    s.setClock(1_000 + 5_000 + 10_000);
    s.alloc.fill();
    await s.finishAll();
    expect(s.alloc.stats().prepared).toBe(1);
  });

  it('a sandbox that cannot start (no disk left) pauses the pool too, instead of retrying at once', async () => {
    let full = true;
    const s = setup({ maxSandboxes: 10, noRoom: () => full });
    await s.alloc.keepPrepared('race', { count: 1, script: 'true' });
    await flush();
    expect(s.alloc.stats().prepared).toBe(0);
    full = false;
    s.alloc.fill();
    expect(s.pending).toHaveLength(0);
    s.setClock(1_000 + 5_000);
    s.alloc.fill();
    expect(s.pending).toHaveLength(1);
    await s.finishAll();
    expect(s.alloc.stats().prepared).toBe(1);
  });

  it('count 0 (the challenge ended) removes the ready ones, and ones still starting when they finish', async () => {
    const s = setup({ maxSandboxes: 10 });
    await s.alloc.keepPrepared('race', { count: 2, script: 'true' });
    s.pending.shift()!.resolve();
    await flush();
    expect(s.alloc.stats().prepared).toBe(1);
    await s.alloc.keepPrepared('race', { count: 0, script: '' });
    expect(s.removed).toHaveLength(1);
    await s.finishAll();
    expect(s.removed).toHaveLength(2);
    expect(s.alloc.stats().prepared).toBe(0);
    expect(s.alloc.prepared.ids()).toEqual([]);
  });

  it('ready sandboxes past their lifetime are replaced (injected clock)', async () => {
    const s = setup({ maxSandboxes: 10 });
    await s.alloc.keepPrepared('race', { count: 1, script: 'true' });
    await s.finishAll();
    const first = s.scripts[0]!.id;
    await s.alloc.prepared.expire(1_000 + 59_000, 60_000);
    expect(s.removed).toEqual([]);
    s.setClock(1_000 + 61_000);
    await s.alloc.prepared.expire(1_000 + 61_000, 60_000);
    expect(s.removed).toEqual([first]);
    s.alloc.fill();
    expect(s.pending).toHaveLength(1);
  });
});
