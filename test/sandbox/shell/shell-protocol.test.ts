import { SHELL_INIT, encodeCommand, runLine } from '../../../src/sandbox/shell/shell-protocol';
import { scan } from './marker-scan';


describe('shell protocol', () => {
  it('strips a completion marker and reports its nonce, exit code and shell pid', () => {
    const r = scan(['hello\r\n\x1b]7770;abc123;42;0;77\x07']);
    expect(r.text).toBe('hello\r\n');
    expect(r.markers).toEqual([{ nonce: 'abc123', exitCode: 42, killed: 0, shellPid: 77 }]);
  });

  it('finds a marker cut across chunks at any byte', () => {
    const full = 'out\x1b]7770;n1;0;3;9\x07tail';
    for (let i = 1; i < full.length; i++) {
      const r = scan([full.slice(0, i), full.slice(i)]);
      expect(r.text).toBe('outtail');
      expect(r.markers).toHaveLength(1);
      expect(r.markers[0]!.killed).toBe(3);
    }
  });

  it('strips the "about to run" marker and reports it apart from completions', () => {
    const r = scan(['\x1b]7770;started\x07out\x1b]7770;n3;0;0;9\x07']);
    expect(r.text).toBe('out');
    expect(r.markers.map((m) => [m.started === true, m.nonce])).toEqual([
      [true, ''],
      [false, 'n3'],
    ]);
    // the shell prints it with a builtin just before the command runs
    expect(SHELL_INIT).toMatch(/printf '\\033\]7770;started\\007'; __dh_rc "\$__dh_last"; eval/);
  });

  it('reads the process counters of the newer marker: reaped background processes, pids-limit hits, OOM kills', () => {
    const r = scan(['x\x1b]7770;n2;0;0;9;2;5;1\x07']);
    expect(r.markers).toEqual([{ nonce: 'n2', exitCode: 0, killed: 0, shellPid: 9, reaped: 2, pidsHit: 5, oomKills: 1 }]);
  });

  it('the shell set-up reaps the session and counts cgroup events with builtins only', () => {
    expect(SHELL_INIT).toContain('set -m');
    // the session is reaped before anything that forks (stty), so the end of a fork bomb cannot stall on it
    expect(SHELL_INIT).toMatch(/__dh_done\(\)\{[^\n]*__dh_guard; disown -a 2>\/dev\/null; __dh_reap; __dh_left; stty [^\n]*__dh_count;/);
    expect(SHELL_INIT).toMatch(/kill -9 -- -\$pg/);
    // no command substitution or external program in the helpers that run at the pids limit
    const helpers = SHELL_INIT.split('\n').filter((l) => /^__dh_(sum|cgfiles|reap|count|left)\(\)/.test(l));
    expect(helpers).toHaveLength(5);
    for (const h of helpers) expect(h).not.toMatch(/\$\(|`/);
  });

  it('reads the escaped count (processes left in the shell\'s cgroup after the reap) of the newest marker', () => {
    const r = scan(['\x1b]7770;n4;0;0;9;0;0;0;3\x07']);
    expect(r.markers[0]).toMatchObject({ nonce: 'n4', reaped: 0, escaped: 3 });
    expect(SHELL_INIT).toMatch(/__dh_reap; __dh_left; /);
  });

  it('passes other escape sequences through untouched', () => {
    const r = scan(['\x1b[31mred\x1b[0m \x1b]0;title\x07']);
    expect(r.text).toBe('\x1b[31mred\x1b[0m \x1b]0;title\x07');
    expect(r.markers).toHaveLength(0);
  });

  it('encodes commands as printable ASCII with no quote, backslash, control or NUL bytes', () => {
    const enc = encodeCommand("echo 'x' \\ \x03\x00é\n");
    expect(enc).toMatch(/^[\x20-\x7e]*$/);
    expect(enc).not.toContain("'");
    expect(enc).toBe("echo \\x27x\\x27 \\x5c \\x03\\xc3\\xa9\\x0a");
    expect(runLine('n', 'ls')).toBe("__dh_run n 'ls'\n");
  });
});
