import { sandboxOwnership } from '../../../src/tutor/sandboxes/sandbox-ownership';
import { adoptSandboxes } from '../../../src/sandbox/lifecycle/adoption';
import type { SandboxInfo } from '../../../src/sandbox/engine/sandbox-runtime';

describe('sandbox ownership at start-up', () => {
  const owns = jest.fn(async (teamId: string, userId: string, containerId: string) => teamId === 'T1' && userId === 'UKNOWN' && containerId !== 'c-removed');

  it("asks the store about the learner named by the container's label, and never about keys that are not a learner's", async () => {
    const known = sandboxOwnership({ ownsSandbox: owns });
    expect(await known('T1:UKNOWN', 'c-fresh')).toBe(true);
    expect(owns).toHaveBeenLastCalledWith('T1', 'UKNOWN', 'c-fresh');
    expect(await known('T1:UKNOWN', 'c-removed')).toBe(false);
    expect(await known('T1:UGONE', 'c-x')).toBe(false);
    owns.mockClear();
    expect(await known('lesson-test:hello:abc', 'c-y')).toBe(false);
    expect(owns).not.toHaveBeenCalled();
  });

  it('keeps a running labelled sandbox whose record never landed, and removes the one the store vetoes', async () => {
    const info = (id: string, learnerKey: string, createdAt: number): SandboxInfo => ({ id, learnerKey, role: 'learner', running: true, createdAt }) as SandboxInfo;
    const adopted: string[] = [];
    const removed: string[] = [];
    await adoptSandboxes([info('c-fresh', 'T1:UKNOWN', 2), info('c-gone', 'T1:UGONE', 1)], {
      now: 3,
      lifetimeMs: 1000,
      assignedLearner: async () => undefined,
      isKnown: sandboxOwnership({ ownsSandbox: owns }),
      has: () => false,
      tracks: () => false,
      adoptWarm: () => false,
      adopt: (_k, i) => adopted.push(i.id),
      remove: async (id) => void removed.push(id),
      emit: () => undefined,
    });
    expect(adopted).toEqual(['c-fresh']);
    expect(removed).toEqual(['c-gone']);
  });
});
