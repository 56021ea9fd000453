import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox-fixture';

// The pty session is exercised through the manager: it needs a real sandbox behind `docker exec -it`.
let manager: SandboxManager;
const L = 'T1:U-pty';

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('pty'));
  await manager.start();
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('pty session', () => {
  it('reports exit codes and keeps shell state between commands', async () => {
    expect((await manager.run(L, 'echo hi')).output).toBe('hi');
    const f = await manager.run(L, 'false');
    expect(f.exitCode).toBe(1);
    expect((await manager.run(L, 'echo $?')).output).toBe('1');
    await manager.run(L, 'cd /tmp && export GREETING=hello');
    const r = await manager.run(L, 'echo "$PWD $GREETING"; exit_code_test() { return 7; }; exit_code_test');
    expect(r.output).toBe('/tmp hello');
    expect(r.exitCode).toBe(7);
  });

  it('renders carriage-return progress as its final state without colours', async () => {
    const r = await manager.run(L, 'for i in 1 2 3 4; do printf "\\r\\033[32mprogress %d/4\\033[0m" $i; sleep 0.1; done; echo; echo done');
    expect(r.output).toBe('progress 4/4\ndone');
    expect(r.exitCode).toBe(0);
  });

  it('returns a command waiting for input, then takes input and Ctrl-C', async () => {
    const r = await manager.run(L, 'echo ready; cat', { timeoutMs: 20000 });
    expect(r.waitingForInput).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.output).toBe('ready');
    const more = await manager.sendInput(L, 'hello cat\n');
    expect(more.waitingForInput).toBe(true);
    // the terminal echoes the line, then cat repeats it
    expect(more.output).toBe('ready\nhello cat\nhello cat');
    const end = await manager.interrupt(L);
    expect(end?.interrupted).toBe(true);
    expect(end?.waitingForInput).toBe(false);
    expect((await manager.run(L, 'echo back')).output).toBe('back');
  });

  it('attaches to an interactive nested container (docker run -it) and passes input through', async () => {
    const r = await manager.run(L, 'docker run -it --rm busybox sh', { timeoutMs: 60000 });
    expect(r.waitingForInput).toBe(true);
    const inside = await manager.sendInput(L, 'echo inside-$((6*7))\n');
    expect(inside.output).toContain('inside-42');
    const done = await manager.sendInput(L, 'exit 5\n');
    expect(done.waitingForInput).toBe(false);
    expect(done.exitCode).toBe(5);
  }, 90000);

  it('times out a command that never ends, stops it, and keeps the shell usable', async () => {
    const r = await manager.run(L, 'sleep 600', { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    const ps = await manager.run(L, 'pgrep -x sleep || echo none');
    expect(ps.output).toBe('none');
  });

  it('survives `exit`: the sandbox stays and the next command gets a new shell', async () => {
    await manager.run(L, 'echo kept > /root/kept.txt');
    const id = manager.containerIdOf(L);
    const r = await manager.run(L, 'exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.notices?.join(' ')).toMatch(/new shell/);
    const after = await manager.run(L, 'cat /root/kept.txt');
    expect(after.output).toBe('kept');
    expect(manager.containerIdOf(L)).toBe(id);
  });

  it('runs a command again in a new shell when the shell died before it began; nothing is lost', async () => {
    await manager.run(L, 'echo kept > /root/kept2.txt');
    const id = manager.containerIdOf(L);
    // sabotage: the next command's runner ends the shell before the command starts
    const setUp = await manager.run(L, '__dh_run(){ exit 9; }');
    expect(setUp.exitCode).toBe(0);
    const r = await manager.run(L, 'cat /root/kept2.txt; echo ran-once >> /root/runs.txt');
    expect(r.output).toBe('kept');
    expect(r.exitCode).toBe(0);
    expect(r.notices ?? []).toEqual([]);
    expect((await manager.run(L, 'cat /root/runs.txt')).output).toBe('ran-once');
    expect(manager.containerIdOf(L)).toBe(id);
  });

  it('treats NUL and control bytes in a command as plain data', async () => {
    const r = await manager.run(L, 'printf "%s" "a\x00b\x03c\x04d" | od -An -c | tr -s " "');
    expect(r.exitCode).toBe(0);
    // NUL cannot exist in a bash string and is dropped; Ctrl-C/Ctrl-D arrive as bytes, not signals
    expect(r.output.trim()).toBe('a b 003 c 004 d');
    expect((await manager.run(L, 'echo still-here')).output).toBe('still-here');
  });

  it('runs a 100 KB command line intact', async () => {
    const payload = 'x'.repeat(100 * 1024);
    const r = await manager.run(L, `printf %s ${payload} | wc -c`);
    expect(r.output).toBe(String(100 * 1024));
    expect(r.exitCode).toBe(0);
  });

  it('caps an output flood (`yes`), keeps the tail and stops it well before the timeout', async () => {
    const r = await manager.run(L, 'yes', { timeoutMs: 30000 });
    expect(r.truncated).toBe(true);
    // Not timed out: the flood guard stopped it, not the 30 s timer.
    expect(r.timedOut).toBe(false);
    expect(r.output.split('\n').slice(-3, -1)).toEqual(['y', 'y']);
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(64 * 1024);
    expect((await manager.run(L, 'pgrep -x yes || echo none')).output).toBe('none');
  });

  it('handles binary garbage (`cat /dev/urandom | head -c 5M`) and the terminal still works', async () => {
    const r = await manager.run(L, 'cat /dev/urandom | head -c 5M', { timeoutMs: 30000 });
    expect(r.truncated).toBe(true);
    expect(r.timedOut).toBe(false);
    // some random bytes switch charsets or screens; `reset`-like state must not leak into the next command
    const next = await manager.run(L, 'echo clean');
    expect(next.output).toBe('clean');
  });

  it('answers terminal queries without the reply leaking into the next command', async () => {
    const r = await manager.run(L, "printf 'a\\033[6nb\\n'; sleep 0.3");
    // like a real terminal, the unread reply is echoed while the program runs
    expect(r.output.split('\n')[0]).toBe('ab');
    const next = await manager.run(L, 'echo next');
    expect(next.output).toBe('next');
    expect(next.exitCode).toBe(0);
  });

  it('streams the screen so far through onOutput', async () => {
    const seen: string[] = [];
    const r = await manager.run(L, 'echo one; sleep 1.5; echo two', { onOutput: (s) => seen.push(s) });
    expect(r.output).toBe('one\ntwo');
    expect(seen).toContain('one');
  });
});
