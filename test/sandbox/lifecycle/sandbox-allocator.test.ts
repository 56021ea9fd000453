import pino from 'pino';
import { SandboxAllocator } from '../../../src/sandbox/lifecycle/sandbox-allocator';
import type { SandboxInfo, SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';
import type { SandboxEvent } from '../../../src/sandbox/types';

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A runtime whose creations finish only when the test says so. */
function fakeRuntime(o: { holdInspectors?: boolean } = {}) {
  let n = 0;
  const pending: Array<{ role: string; key: string; resolve: () => void }> = [];
  const removed: string[] = [];
  const claimed: string[] = [];
  const inspected: Array<{ id: string; resolve: () => void }> = [];
  const runtime = {
    // a warm sandbox's inspector: started at once, or when the test says so
    inspectors: {
      ensure: (id: string) =>
        new Promise<string>((resolve) => {
          inspected.push({ id, resolve: () => resolve(`${id}-inspector`) });
          if (!o.holdInspectors) resolve(`${id}-inspector`);
        }),
    },
    create: (learnerKey: string, role: string) =>
      new Promise<SandboxInfo>((resolve) => {
        const info = { id: `c${++n}`, learnerKey, createdAt: n, running: true, role };
        pending.push({ role, key: learnerKey, resolve: () => resolve(info) });
      }),
    remove: async (id: string) => void removed.push(id),
    instance: 'T',
    // a claim renames the container on the engine
    docker: { getContainer: (id: string) => ({ rename: async () => void claimed.push(id) }) },
  } as unknown as SandboxRuntime;
  return { runtime, pending, removed, claimed, inspected };
}

function setup(maxSandboxes: number, warmPool = 0, extra: { warmPoolAuto?: boolean; parallelStarts?: number; now?: () => number; holdInspectors?: boolean; maxPerWorkspace?: number; newPerLearnerPerTenMinutes?: number } = {}) {
  const fake = fakeRuntime({ holdInspectors: extra.holdInspectors });
  const events: SandboxEvent[] = [];
  const live = new Set<string>();
  const alloc = new SandboxAllocator({
    runtime: fake.runtime,
    logger: pino({ level: 'silent' }),
    config: { maxSandboxes, warmPool, warmPoolAuto: extra.warmPoolAuto, parallelStarts: extra.parallelStarts, maxPerWorkspace: extra.maxPerWorkspace, newPerLearnerPerTenMinutes: extra.newPerLearnerPerTenMinutes },
    now: extra.now,
    live: () => live.size,
    liveKeys: () => live,
    emit: (e) => events.push(e),
  });
  alloc.open();
  const get = (k: string) => alloc.acquire(k, (info) => (live.add(k), info.id));
  /** A start made ahead (the learner's lesson opened; nobody waits on it yet). */
  const ahead = (k: string) => alloc.acquire(k, (info) => (live.add(k), info.id), undefined, true);
  return { ...fake, events, live, alloc, get, ahead };
}

describe('sandbox allocator', () => {
  it('after close, waits for warm sandboxes still starting, which are then removed (none is left behind a teardown)', async () => {
    const s = setup(4, 2);
    s.alloc.fill();
    await flush();
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'warm']);
    s.alloc.close(new Error('stopping'));
    let settled = false;
    const done = s.alloc.warmStartsSettled(60_000).then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    s.pending[0]!.resolve();
    await flush();
    expect(settled).toBe(false);
    s.pending[1]!.resolve();
    await done;
    await flush();
    expect(s.removed.sort()).toEqual(['c1', 'c2']);
  });

  it('shares one creation between concurrent calls for the same learner', async () => {
    const s = setup(2);
    const a = s.get('L');
    const b = s.get('L');
    await flush();
    expect(s.pending).toHaveLength(1);
    s.pending[0]!.resolve();
    expect(await a).toBe(await b);
  });

  it('queues learners beyond the cap in order and lets the first through when a slot frees', async () => {
    const s = setup(1);
    const first = s.get('A');
    await flush();
    s.pending[0]!.resolve();
    await first;
    const second = s.get('B');
    const third = s.get('C').catch((e: unknown) => e);
    await flush();
    expect(s.pending).toHaveLength(1); // no creation past the cap
    expect(s.events).toEqual([
      { type: 'queued', learnerKey: 'B', position: 1 },
      { type: 'queued', learnerKey: 'C', position: 2 },
    ]);
    expect(s.alloc.stats()).toMatchObject({ creating: 2, warm: 0, queued: 2 });
    s.live.delete('A');
    s.alloc.release();
    await flush();
    expect(s.pending.map((p) => p.role)).toEqual(['learner', 'learner']);
    expect(s.events.at(-1)).toEqual({ type: 'queued', learnerKey: 'C', position: 1 });
    s.pending[1]!.resolve();
    await expect(second).resolves.toBe('c2');
    s.alloc.close(new Error('done'));
    s.pending[2]?.resolve();
    expect(await third).toBeDefined();
  });

  it('hands out a ready warm sandbox (claimed for the learner) and refills the pool', async () => {
    const s = setup(3, 1);
    s.alloc.fill();
    expect(s.pending.map((p) => p.role)).toEqual(['warm']);
    s.pending[0]!.resolve();
    await flush();
    expect(s.alloc.stats().warm).toBe(1);
    await expect(s.get('L')).resolves.toBe('c1');
    expect(s.claimed).toEqual(['c1']);
    await flush();
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'warm']);
  });

  it('a warm sandbox counts as ready only once its check inspector runs', async () => {
    const s = setup(3, 1, { holdInspectors: true });
    s.alloc.fill();
    await flush();
    s.pending[0]!.resolve();
    await flush();
    expect(s.inspected.map((i) => i.id)).toEqual(['c1']);
    expect(s.alloc.stats().warm).toBe(0);
    s.inspected[0]!.resolve();
    await flush();
    expect(s.alloc.stats().warm).toBe(1);
    const got = s.get('L');
    await flush();
    expect(await got).toBe('c1');
  });

  it('keeps no warm sandboxes while learners wait, nor beyond the cap', async () => {
    const s = setup(1, 2);
    const a = s.get('A');
    await flush();
    s.pending[0]!.resolve();
    await a;
    s.alloc.fill();
    expect(s.pending).toHaveLength(1);
  });

  it('on close fails those in line and removes a container that finishes starting after it', async () => {
    const s = setup(1);
    const a = s.get('A');
    await flush();
    const b = s.get('B');
    await flush();
    s.alloc.close(new Error('stopping'));
    await expect(b).rejects.toThrow('stopping');
    s.pending[0]!.resolve();
    await expect(a).rejects.toMatchObject({ code: 'SANDBOX_MANAGER_STOPPED' });
    expect(s.removed).toEqual(['c1']);
  });
});

describe('per-workspace quota (SANDBOX_MAX_PER_WORKSPACE)', () => {
  it("a workspace at its quota waits in line, told why, while another workspace's learner gets a sandbox", async () => {
    const s = setup(4, 0, { maxPerWorkspace: 2 });
    const a1 = s.get('TA:U1');
    const a2 = s.get('TA:U2');
    const a3 = s.get('TA:U3');
    await flush();
    // Two of workspace A start (one of them still starting counts), the third waits for A's share.
    expect(s.pending).toHaveLength(2);
    expect(s.events).toEqual([{ type: 'queued', learnerKey: 'TA:U3', position: 1, workspaceLimit: 2 }]);
    expect(s.alloc.stats().refusals).toEqual({ startLimit: 0, workspaceQuota: 1 });
    // Workspace B is not held behind A's learner in line: there is room under the host's cap.
    const b1 = s.get('TB:U1');
    await flush();
    expect(s.pending.map((p) => p.role)).toHaveLength(3);
    for (const p of s.pending) p.resolve();
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['c1', 'c2', 'c3']);
    // Keys that are not a learner's (a lesson test's) have no workspace and no quota.
    const test = s.get('lesson-test-1');
    await flush();
    expect(s.pending).toHaveLength(4);
    s.pending[3]!.resolve();
    await test;
    // One of A's sandboxes goes: A's learner in line gets its place.
    s.live.delete('TA:U1');
    s.alloc.release();
    await flush();
    expect(s.pending).toHaveLength(5);
    s.pending[4]!.resolve();
    await expect(a3).resolves.toBe('c5');
    // held back once, however many times it looked again
    expect(s.alloc.stats().refusals).toEqual({ startLimit: 0, workspaceQuota: 1 });
  });

  it('a learner of a workspace at its quota does not take a warm sandbox either', async () => {
    const s = setup(4, 1, { maxPerWorkspace: 1 });
    s.alloc.fill();
    await flush();
    s.pending[0]!.resolve(); // the warm one
    await flush();
    const a1 = s.get('TA:U1');
    await flush();
    await expect(a1).resolves.toBe('c1');
    const a2 = s.get('TA:U2').catch((e: unknown) => e);
    await flush();
    expect(s.events.filter((e) => e.type === 'queued')).toEqual([{ type: 'queued', learnerKey: 'TA:U2', position: 1, workspaceLimit: 1 }]);
    s.alloc.close(new Error('done'));
    expect(await a2).toBeInstanceOf(Error);
  });
});

describe('new sandboxes per key (SANDBOX_NEW_PER_LEARNER_10MIN, plus the first)', () => {
  it('a key whose sandbox keeps going (crashed, reset) gets 1 + N in ten minutes, then none until the window allows; others are not held', async () => {
    let now = 1_000_000;
    const s = setup(10, 0, { newPerLearnerPerTenMinutes: 2, now: () => now });
    const once = async (key: string) => {
      const got = s.get(key);
      await flush();
      s.pending.at(-1)!.resolve();
      await got;
      s.live.delete(key); // it stopped: the next use needs a new one
    };
    for (let i = 0; i < 3; i++) {
      await once('T1:U1');
      now += 60_000;
    }
    const created = s.pending.length;
    await expect(s.get('T1:U1')).rejects.toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/^You have had 3 new sandboxes in a few minutes .* available in about 7 min\. Your lesson progress is kept\.$/) });
    expect(s.pending).toHaveLength(created);
    expect(s.alloc.stats().refusals).toEqual({ startLimit: 1, workspaceQuota: 0 });
    // Another learner is not held.
    await once('T1:U2');
    // Ten minutes after the first, one more.
    now = 1_000_000 + 10 * 60_000;
    await once('T1:U1');
    expect(s.pending).toHaveLength(created + 2);
  });
});

describe('class start: bounded parallel starts, automatic warm pool, pre-warm', () => {
  it('starts at most parallelStarts sandboxes at once, learners before warm ones', async () => {
    const s = setup(10, 2, { parallelStarts: 2 });
    s.alloc.fill();
    await flush();
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'warm']);
    const learners = ['A', 'B', 'C'].map((k) => s.get(k));
    await flush();
    // Both slots are held by the warm starts: the learners wait for a slot, not for each other.
    expect(s.pending).toHaveLength(2);
    s.pending.shift()!.resolve();
    await flush();
    // The freed slot went to a learner (a warm sandbox that became ready went to one too).
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'learner']);
    while (s.pending.length) {
      expect(s.alloc.slots.active).toBeLessThanOrEqual(2);
      s.pending.shift()!.resolve();
      await flush();
    }
    await Promise.all(learners);
    expect(s.alloc.slots.active).toBe(0);
  });

  it('a learner who typed gets the next slot before starts made ahead for classmates and before pool refills', async () => {
    const s = setup(10, 2, { parallelStarts: 1 });
    // a class opens its lesson: A's start runs, B, C and D wait in line (made ahead), the warm pool waits too
    const starts = ['A', 'B', 'C', 'D'].map((k) => s.ahead(k));
    await flush();
    s.alloc.fill();
    await flush();
    expect(s.pending.map((p) => p.key)).toEqual(['A']);
    expect(s.alloc.slots.queued).toEqual({ waiting: 0, ahead: 3, warm: 2 });
    // D types: the start made ahead for D moves up, and D shares it (no second start)
    const typed = s.get('D');
    expect(s.alloc.slots.queued).toEqual({ waiting: 1, ahead: 2, warm: 2 });
    s.pending.shift()!.resolve();
    await flush();
    expect(s.pending.map((p) => p.key)).toEqual(['D']);
    s.pending.shift()!.resolve();
    expect(await typed).toBe(await starts[3]);
    await flush();
    // then the others in the order their lessons opened, then the pool
    const order: string[] = [];
    while (s.pending.length) {
      order.push(s.pending[0]!.role === 'warm' ? 'warm' : s.pending[0]!.key);
      s.pending.shift()!.resolve();
      await flush();
    }
    expect(order).toEqual(['B', 'C', 'warm', 'warm']);
    await Promise.all(starts);
  });

  it('a learner who typed while their start made ahead had not reached the slots yet still goes first', async () => {
    const s = setup(10, 0, { parallelStarts: 1 });
    const a = s.ahead('A');
    await flush();
    const b = s.ahead('B');
    const c = s.ahead('C');
    // C types at once, before its start asked for a slot
    const typed = s.get('C');
    await flush();
    expect(s.alloc.slots.queued).toEqual({ waiting: 1, ahead: 1, warm: 0 });
    s.pending.shift()!.resolve();
    await flush();
    expect(s.pending.map((p) => p.key)).toEqual(['C']);
    s.pending.shift()!.resolve();
    await flush();
    s.pending.shift()!.resolve();
    await Promise.all([a, b, c, typed]);
  });

  it("learnersIdle waits until no learner's sandbox is starting or waiting to start", async () => {
    const s = setup(5, 0, { parallelStarts: 1 });
    await expect(s.alloc.slots.learnersIdle()).resolves.toBeUndefined();
    const a = s.get('A');
    const b = s.get('B');
    await flush();
    let idle = false;
    s.alloc.slots.learnersIdle().then(() => (idle = true), () => undefined);
    s.pending.shift()!.resolve();
    await a;
    await flush();
    expect(idle).toBe(false); // B still starts
    s.pending.shift()!.resolve();
    await b;
    await flush();
    expect(idle).toBe(true);
  });

  it('SANDBOX_WARM_POOL=auto keeps as many warm as learners needed new sandboxes recently, up to its most, and none when idle', async () => {
    let now = 0;
    const s = setup(20, 3, { warmPoolAuto: true, now: () => now });
    s.alloc.fill();
    await flush();
    expect(s.pending).toEqual([]);
    const got = ['A', 'B'].map((k) => s.get(k));
    await flush();
    for (const p of s.pending.splice(0)) p.resolve();
    await Promise.all(got);
    await flush();
    // Two learners needed a sandbox: two warm ones are started for the next.
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'warm']);
    expect(s.alloc.warm.targetSize).toBe(2);
    now += 6 * 60_000;
    s.alloc.fill();
    expect(s.alloc.warm.targetSize).toBe(0);
  });

  it('an admin pre-warm keeps that many ready (within the cap) until it expires', async () => {
    let now = 0;
    const s = setup(5, 0, { now: () => now });
    s.live.add('X');
    expect(s.alloc.prewarm(30, 60_000)).toBe(4);
    await flush();
    expect(s.pending.map((p) => p.role)).toEqual(['warm', 'warm', 'warm', 'warm']);
    now += 60_001;
    s.alloc.fill();
    expect(s.alloc.warm.targetSize).toBe(0);
  });

  it("a prepared class uses up the admin's floor: learners served from the pool are not replaced", async () => {
    const s = setup(10, 0, { now: () => 0 });
    expect(s.alloc.prewarm(3, 60_000)).toBe(3);
    await flush();
    for (const p of s.pending.splice(0)) p.resolve();
    await flush();
    expect(s.alloc.stats().warm).toBe(3);
    // two learners of the class arrive: they get pooled sandboxes, and nothing new starts
    await Promise.all([s.get('A'), s.get('B')]);
    await flush();
    expect(s.claimed).toHaveLength(2);
    expect(s.pending).toEqual([]);
    expect(s.alloc.warm.targetSize).toBe(1);
    expect(s.alloc.stats().warm).toBe(1);
  });
});
