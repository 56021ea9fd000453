import { stuckForMs } from '../../../src/tutor/class/stuck';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 9, 10, 0);
const row = (minutesOnStep: number, attempts: number, hintsUsed: number) => ({ stepStartedAt: new Date(NOW - minutesOnStep * MIN), attempts, hintsUsed });

describe('stuck learners', () => {
  it('is stuck after N minutes on one step with at least one failed check or hint', () => {
    expect(stuckForMs(row(12, 1, 0), NOW, 10 * MIN)).toBe(12 * MIN);
    expect(stuckForMs(row(10, 0, 2), NOW, 10 * MIN)).toBe(10 * MIN);
  });

  it('is not stuck before N minutes, nor when they have not tried yet (reading is not being stuck)', () => {
    expect(stuckForMs(row(9, 5, 3), NOW, 10 * MIN)).toBeNull();
    expect(stuckForMs(row(45, 0, 0), NOW, 10 * MIN)).toBeNull();
  });
});
