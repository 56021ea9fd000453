import { inspectorName } from '../../../src/sandbox/checks/inspector-spec';
import { sandboxName } from '../../../src/sandbox/engine/sandbox-labels';

describe('sandbox names', () => {
  it('differ for sandboxes started in the same millisecond with the same (warm: empty) learner key', () => {
    const names = new Set(Array.from({ length: 30 }, () => sandboxName('bench-e2e-x', '', 1_796_233_199_725)));
    expect(names.size).toBe(30);
    for (const n of names) expect(n).toMatch(/^dockhand-bench-e2e-x-x-[0-9a-z]+-[0-9a-f]{6}$/);
  });

  it('stay within 120 characters and keep their unique end, as do their inspectors', () => {
    const a = sandboxName('i'.repeat(80), 'T1:' + 'u'.repeat(80), 1);
    const b = sandboxName('i'.repeat(80), 'T1:' + 'u'.repeat(80), 1);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    expect(inspectorName(a)).not.toBe(inspectorName(b));
    expect(inspectorName(a).length).toBeLessThanOrEqual(120);
    expect(inspectorName('dockhand-short-1')).toBe('dockhand-short-1-inspector');
  });
});

describe('claimed warm sandbox names', () => {
  it('carry the learner key exactly, whatever its characters, and nothing else parses as claimed', async () => {
    const { claimedName, learnerOfName } = await import('../../../src/sandbox/lifecycle/warm-pool');
    const id = 'a'.repeat(64);
    for (const key of ['T0123:U0456', 'E1:T2:U3', 'bench:raw1', 'ünï-côdé']) {
      const name = claimedName('bench-e2e-x', id, key);
      expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/); // a valid container name
      expect(learnerOfName(name)).toBe(key);
    }
    expect(learnerOfName(sandboxName('bench-e2e-x', '', 1))).toBeUndefined();
  });
});
