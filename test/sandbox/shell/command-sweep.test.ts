import { parseSweep, sweepScript } from '../../../src/sandbox/shell/command-sweep';

describe('sweep script', () => {
  it('uses builtins only (it must still run when the command used up the pids limit) and names the shell as a number', () => {
    const s = sweepScript(42.7);
    expect(s.startsWith('S=42; ')).toBe(true);
    expect(s).not.toMatch(/\$\((?!\()|`/);
    // an unknown shell pid (0) names no process: the sweep then keeps every process entered from outside
    expect(sweepScript(0).startsWith('S=-1; ')).toBe(true);
  });

  it('reads its count, and 0 when it did not finish', () => {
    expect(parseSweep('swept 3\n')).toBe(3);
    expect(parseSweep('')).toBe(0);
  });
});
