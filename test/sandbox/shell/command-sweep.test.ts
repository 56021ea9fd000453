import { spawnSync } from 'node:child_process';
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

  it('counts each process once, even when a killed process is still listed in the next passes (a busy host)', () => {
    // `kill` stubbed to succeed without killing, so every pass finds the same processes again; the script runs
    // harmlessly against this machine's /proc and must print the number of distinct processes it tried to end
    const r = spawnSync('bash', ['-c', `kill() { echo "k $2" >&3; return 0; }\n${sweepScript(0)}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const calls = String(r.output[3]).split('\n').filter((l) => l.startsWith('k ')).map((l) => l.slice(2));
    expect(calls.length).toBeGreaterThan(new Set(calls).size);
    expect(parseSweep(r.stdout)).toBe(new Set(calls).size);
  });
});
