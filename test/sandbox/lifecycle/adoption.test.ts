import { adoptSandboxes, adoptionAction, type AdoptionDeps } from '../../../src/sandbox/lifecycle/adoption';
import { STOPPED_AWAY_DETAIL } from '../../../src/sandbox/lifecycle/engine-watch';
import type { SandboxInfo } from '../../../src/sandbox/engine/sandbox-runtime';
import type { SandboxEvent } from '../../../src/sandbox/types';

const now = 1_000_000;
const lifetimeMs = 100_000;
const info = (id: string, over: Partial<SandboxInfo> = {}): SandboxInfo => ({ id, learnerKey: '', createdAt: now - 1000, running: true, role: 'learner', ...over });

describe('adoption action', () => {
  it('removes a stopped container, reporting it (as stopped while away) only when it had a learner', () => {
    expect(adoptionAction({ running: false, createdAt: now }, 'L', { now, lifetimeMs })).toEqual({ kind: 'remove', event: 'stopped' });
    expect(adoptionAction({ running: false, createdAt: now }, '', { now, lifetimeMs })).toEqual({ kind: 'remove', event: undefined });
  });

  it('expires a container past its lifetime', () => {
    expect(adoptionAction({ running: true, createdAt: now - lifetimeMs - 1 }, 'L', { now, lifetimeMs })).toEqual({ kind: 'remove', event: 'expired' });
  });

  it('offers an unowned running one to the warm pool and keeps an owned one', () => {
    expect(adoptionAction({ running: true, createdAt: now }, '', { now, lifetimeMs })).toEqual({ kind: 'warm' });
    expect(adoptionAction({ running: true, createdAt: now }, 'L', { now, lifetimeMs })).toEqual({ kind: 'owned' });
  });
});

function deps(over: Partial<AdoptionDeps> = {}) {
  const events: SandboxEvent[] = [];
  const removed: string[] = [];
  const adopted = new Map<string, string>();
  const warm: string[] = [];
  const d: AdoptionDeps = {
    now,
    lifetimeMs,
    assignedLearner: async () => undefined,
    has: (k) => adopted.has(k),
    tracks: (k, id) => adopted.get(k) === id,
    adoptWarm: (c) => (warm.length < 1 ? (warm.push(c.id), true) : false),
    adopt: (k, c) => void adopted.set(k, c.id),
    remove: async (id) => void removed.push(id),
    emit: (e) => void events.push(e),
    ...over,
  };
  return { d, events, removed, adopted, warm };
}

describe('adopting at start-up', () => {
  it('keeps the newest sandbox of a learner and removes older duplicates', async () => {
    const { d, events, removed, adopted } = deps();
    await adoptSandboxes([info('old', { learnerKey: 'L', createdAt: now - 5000 }), info('new', { learnerKey: 'L', createdAt: now - 10 })], d);
    expect(adopted.get('L')).toBe('new');
    expect(removed).toEqual(['old']);
    expect(events).toEqual([
      { type: 'adopted', learnerKey: 'L', containerId: 'new' },
      { type: 'removed', learnerKey: 'L', containerId: 'old' },
    ]);
  });

  it('asks isKnown only about running, unexpired owned sandboxes, and removes the unknown', async () => {
    const asked: string[] = [];
    const { d, events, removed } = deps({ isKnown: (k) => (asked.push(k), k !== 'ghost') });
    await adoptSandboxes([info('a', { learnerKey: 'ghost' }), info('b', { learnerKey: 'dead', running: false }), info('c', { learnerKey: 'kept' })], d);
    expect(asked.sort()).toEqual(['ghost', 'kept']);
    expect(removed.sort()).toEqual(['a', 'b']);
    expect(events).toContainEqual({ type: 'removed', learnerKey: 'ghost', containerId: 'a' });
    expect(events).toContainEqual({ type: 'adopted', learnerKey: 'kept', containerId: 'c' });
    // the stopped one (an engine restart while no bot watched) is reported so its learner can be told
    expect(events).toContainEqual({ type: 'crashed', learnerKey: 'dead', containerId: 'b', detail: STOPPED_AWAY_DETAIL });
  });

  it('reads the owner of a claimed warm sandbox from inside it; unclaimed ones refill the pool up to its size', async () => {
    const { d, adopted, warm, removed, events } = deps({ assignedLearner: async (id) => (id === 'w1' ? 'L' : undefined) });
    await adoptSandboxes([info('w1', { role: 'warm', createdAt: now - 3 }), info('w2', { role: 'warm', createdAt: now - 2 }), info('w3', { role: 'warm', createdAt: now - 1 })], d);
    expect(adopted.get('L')).toBe('w1');
    expect(warm).toEqual(['w3']);
    expect(removed).toEqual(['w2']);
    // unowned containers leave without an event: no learner to tell
    expect(events).toEqual([{ type: 'adopted', learnerKey: 'L', containerId: 'w1' }]);
  });

  it('skips a container it already tracks (start called twice)', async () => {
    const { d, removed, events } = deps({ tracks: (k, id) => k === 'L' && id === 'a' });
    await adoptSandboxes([info('a', { learnerKey: 'L' })], d);
    expect(removed).toEqual([]);
    expect(events).toEqual([]);
  });
});
