import type { PtySession, SessionResult } from '../../../src/sandbox/shell/pty-session';
import type { SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';
import { StartedSandbox } from '../../../src/sandbox/lifecycle/started-sandbox';
import type { SandboxEvent, ScriptResult } from '../../../src/sandbox/types';

type State = { running: boolean; oomKilled: boolean; exitCode: number; error: string } | undefined;

function fakeRuntime(o: { state?: State; exec?: (script: string) => Partial<ScriptResult> }) {
  const calls = { removed: [] as string[], scripts: [] as string[] };
  const runtime = {
    inspectState: async () => o.state,
    isRunning: async () => o.state?.running ?? false,
    exec: async (_id: string, script: string) => {
      calls.scripts.push(script);
      return { exitCode: 0, output: '', timedOut: false, truncated: false, durationMs: 1, ...o.exec?.(script) };
    },
    remove: async (id: string) => void calls.removed.push(id),
  } as unknown as SandboxRuntime;
  return { runtime, calls };
}

function sandbox(o: Parameters<typeof fakeRuntime>[0]) {
  const { runtime, calls } = fakeRuntime(o);
  const events: SandboxEvent[] = [];
  const hooks: string[] = [];
  const clock = { t: 1000 };
  const sb = new StartedSandbox('L', 'c1', 500, {
    runtime,
    emit: (e) => events.push(e),
    onGone: () => hooks.push('gone'),
    onRemoved: () => hooks.push('removed'),
    shell: { cols: 80, rows: 24 },
    now: () => clock.t,
  });
  return { sb, events, hooks, calls, clock };
}

const session = {} as PtySession;
const result = (over: Partial<SessionResult> = {}): SessionResult => ({
  output: '',
  exitCode: 0,
  durationMs: 1,
  truncated: false,
  timedOut: false,
  interrupted: false,
  waitingForInput: false,
  ...over,
});
const running = { running: true, oomKilled: false, exitCode: 0, error: '' };

function limited(o: Parameters<typeof fakeRuntime>[0]) {
  const { runtime } = fakeRuntime(o);
  const events: SandboxEvent[] = [];
  const sb = new StartedSandbox('L', 'c1', 500, {
    runtime,
    emit: (e) => events.push(e),
    onGone: () => undefined,
    onRemoved: () => undefined,
    shell: { cols: 80, rows: 24 },
    limits: { memoryMb: 512, pidsLimit: 256, diskMb: 8192 },
  });
  return { sb, events };
}

describe('started sandbox: process and disk limits in plain words', () => {
  const procs = (over: Partial<NonNullable<SessionResult['processes']>>) => ({ guardKilled: 0, reaped: 0, pidsHit: 0, oomKills: 0, ...over });

  it('a fork bomb: too many processes (limit N), the sandbox stays', async () => {
    const { sb, events } = limited({ state: running });
    const r = await sb.afterCommand(session, result({ processes: procs({ pidsHit: 40, reaped: 250 }) }));
    expect(r.notices).toEqual(['Your command started too many processes (limit 256); they were stopped. Your sandbox still works and nothing was deleted.']);
    expect(events).toEqual([]);
    expect(sb.gone).toBe(false);
  });

  it('an OOM kill is exit 137 with the limit, never exit 0', async () => {
    const { sb } = limited({ state: running });
    const r = await sb.afterCommand(session, result({ exitCode: 0, processes: procs({ oomKills: 1 }) }));
    expect(r.exitCode).toBe(137);
    expect(r.notices).toEqual(['A process of this command was killed: out of memory: limit 512 MiB (exit 137).']);
  });

  it('background processes left behind are stopped and said so', async () => {
    const { sb } = limited({ state: running });
    const r = await sb.afterCommand(session, result({ processes: procs({ reaped: 1 }) }));
    expect(r.notices![0]).toMatch(/^A background process left running by this command was ended: nothing outlives its command here/);
    expect(r).not.toHaveProperty('processes');
  });

  it('a full disk names the cap', async () => {
    const { sb, events } = limited({ state: running, exec: () => ({ output: '/dev/loop0 8.0G 8.0G 0 100% /var/lib/docker' }) });
    const r = await sb.afterCommand(session, result({ exitCode: 1, output: "dd: error writing '/root/x': No space left on device" }));
    expect(r.notices).toEqual(["Your sandbox's disk is full (8 GiB): `reset` or remove images (`docker system prune -af`, rm big files)."]);
    expect(events[0]).toMatchObject({ type: 'disk-full' });
  });
});

describe('started sandbox', () => {
  it('passes a normal result through and marks the sandbox used', async () => {
    const { sb, events, clock } = sandbox({ state: running });
    clock.t = 5000;
    const r = await sb.afterCommand(session, result({ output: 'hi' }));
    expect(r).toEqual(result({ output: 'hi', notices: [] }));
    expect(sb.lastUsed).toBe(5000);
    expect(events).toEqual([]);
  });

  it('detects a full disk: a disk-full event with df output and a notice', async () => {
    const { sb, events } = sandbox({ state: running, exec: (s) => (s.startsWith('df') ? { output: 'overlay 10M 10M 0 100% /\n' } : {}) });
    const r = await sb.afterCommand(session, result({ output: 'write /x: No space left on device', exitCode: 1 }));
    expect(events).toEqual([{ type: 'disk-full', learnerKey: 'L', containerId: 'c1', detail: 'overlay 10M 10M 0 100% /' }]);
    expect(r.notices?.join(' ')).toMatch(/out of disk space/);
    expect(r.exitCode).toBe(1);
  });

  it('a shell that exited in a healthy sandbox keeps the sandbox and says a new shell comes', async () => {
    const { sb, events, calls } = sandbox({ state: running });
    const r = await sb.afterCommand(session, result({ exitCode: 3, shellExited: { exitCode: 3 } }));
    expect(r.notices).toEqual(['The shell exited; the next command starts a new shell in the same sandbox.']);
    expect(r.exitCode).toBe(3);
    expect('shellExited' in r).toBe(false);
    expect(calls.removed).toEqual([]);
    expect(events).toEqual([]);
  });

  it('an out-of-memory death is reported, the result interrupted, and the sandbox removed', async () => {
    const { sb, events, hooks, calls } = sandbox({ state: { running: false, oomKilled: true, exitCode: 137, error: '' } });
    const r = await sb.afterCommand(session, result({ shellExited: { exitCode: 137 } }));
    expect(r).toMatchObject({ interrupted: true, exitCode: null });
    expect(r.notices?.join(' ')).toMatch(/ran out of memory/);
    expect(events).toEqual([
      { type: 'oom-killed', learnerKey: 'L', containerId: 'c1', detail: 'exit code 137' },
      { type: 'removed', learnerKey: 'L', containerId: 'c1' },
    ]);
    expect(calls.removed).toEqual(['c1']);
    expect(hooks).toEqual(['gone', 'removed']);
    expect(sb.gone).toBe(true);
  });

  it('a running container whose engine no longer answers counts as crashed', async () => {
    const { sb, events } = sandbox({ state: running, exec: (s) => (s.startsWith('docker version') ? { exitCode: 1 } : {}) });
    await expect(sb.healthy()).resolves.toEqual({ ok: false, oom: false });
    expect(events[0]).toEqual({ type: 'crashed', learnerKey: 'L', containerId: 'c1', detail: 'exit code 0' });
  });

  it('a container already gone is reported as such', async () => {
    const { sb, events } = sandbox({ state: undefined });
    await sb.diagnoseDeath();
    expect(events[0]).toEqual({ type: 'crashed', learnerKey: 'L', containerId: 'c1', detail: 'container gone' });
  });

  it('reports a death and removes only once, whichever path comes first', async () => {
    const { sb, events, calls, hooks } = sandbox({ state: running });
    await Promise.all([sb.died('crash', 'exit code 1'), sb.died('oom', 'exit code 137'), sb.remove('reaped')]);
    expect(events.map((e) => e.type)).toEqual(['crashed', 'removed']);
    expect(calls.removed).toEqual(['c1']);
    expect(hooks).toEqual(['gone', 'removed']);
  });

  it('removes with the reaper’s event type', async () => {
    const { sb, events } = sandbox({ state: running });
    await sb.remove('expired');
    expect(events).toEqual([{ type: 'expired', learnerKey: 'L', containerId: 'c1' }]);
  });
});

describe('StartedSandbox: a shell slow to start', () => {
  /** A pty whose shell exits at once, as a `docker exec` that could not attach does. */
  const deadPty = () => ({ onData: () => undefined, write: () => undefined, resize: () => undefined, terminate: () => undefined, pid: 1, exit: Promise.resolve({ exitCode: 126 }) });

  it('tries once more while the container runs, then gives up with SHELL_NOT_READY', async () => {
    const { runtime } = fakeRuntime({ state: running });
    let opened = 0;
    (runtime as unknown as { openPty: () => unknown }).openPty = () => (opened++, deadPty());
    const sb = new StartedSandbox('L', 'c1', 500, { runtime, emit: () => undefined, onGone: () => undefined, onRemoved: () => undefined, shell: { cols: 80, rows: 24 } });
    await expect(sb.session()).rejects.toMatchObject({ code: 'SHELL_NOT_READY' });
    expect(opened).toBe(2);
  });

  it('does not try again when the container is gone', async () => {
    const { runtime } = fakeRuntime({ state: { ...running, running: false } });
    let opened = 0;
    (runtime as unknown as { openPty: () => unknown }).openPty = () => (opened++, deadPty());
    const sb = new StartedSandbox('L', 'c1', 500, { runtime, emit: () => undefined, onGone: () => undefined, onRemoved: () => undefined, shell: { cols: 80, rows: 24 } });
    await expect(sb.session()).rejects.toMatchObject({ code: 'SHELL_NOT_READY' });
    expect(opened).toBe(1);
  });
});
