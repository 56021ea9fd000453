import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { applyCpuPriority, type ThreadPriorities } from '../../src/ops/cpu-priority';
import { readConfig } from '../../src/config';
import { captureLogs } from '../support/capture-logs';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Threads with nice values; `refuse` makes set() fail as Linux does without the privilege. */
function fakeThreads(nices: Record<number, number>, refuse = false): ThreadPriorities & { nices: Record<number, number> } {
  return {
    nices,
    threads: () => Object.keys(nices).map(Number),
    get: (tid) => nices[tid]!,
    set: (tid, nice) => {
      if (refuse) throw Object.assign(new Error('uv_os_setpriority returned EACCES'), { code: 'ERR_SYSTEM_ERROR', info: { code: 'EACCES' } });
      nices[tid] = nice;
    },
  };
}

describe('applyCpuPriority', () => {
  it('moves every thread to the nice value and says nothing at info', () => {
    const { logs, log } = captureLogs('info');
    const t = fakeThreads({ 100: 0, 101: 0, 102: 5 });
    expect(applyCpuPriority(-10, log, t)).toEqual({ raised: 3, kept: 0 });
    expect(t.nices).toEqual({ 100: -10, 101: -10, 102: -10 });
    expect(logs).toHaveLength(0);
  });

  it('never lowers a thread that already runs at that priority or better', () => {
    const t = fakeThreads({ 100: -15, 101: -10, 102: 0 });
    expect(applyCpuPriority(-10, captureLogs().log, t)).toEqual({ raised: 1, kept: 2 });
    expect(t.nices).toEqual({ 100: -15, 101: -10, 102: -10 });
  });

  it('without the privilege: one info line that says how to allow it, and the bot goes on at normal priority', () => {
    const { logs, log } = captureLogs('info');
    const t = fakeThreads({ 100: 0, 101: 0 }, true);
    expect(applyCpuPriority(-10, log, t)).toEqual({ raised: 0, kept: 0, refused: 'EACCES' });
    expect(t.nices).toEqual({ 100: 0, 101: 0 });
    expect(logs).toHaveLength(1);
    expect(logs[0]!.msg).toMatch(/BOT_NICE=-10 not applied \(EACCES\).*LimitNICE=30.*BOT_NICE=0/);
  });

  it('skips a thread that ended between the listing and the read', () => {
    const t: ThreadPriorities = {
      threads: () => [1, 2],
      get: (tid) => {
        if (tid === 1) throw new Error('ESRCH');
        return 0;
      },
      set: () => undefined,
    };
    expect(applyCpuPriority(-5, captureLogs().log, t)).toEqual({ raised: 1, kept: 0 });
  });

  it('on this machine: every thread of a real process, and a process it starts afterwards, get it (refused without root)', async () => {
    // a child process of its own: the test runner's priority stays as it was
    const script = `
      import { spawnSync } from 'node:child_process';
      import { readdirSync, readFileSync } from 'node:fs';
      import { applyCpuPriority } from ${JSON.stringify(path.join(ROOT, 'src/ops/cpu-priority'))};
      import { createLogger } from ${JSON.stringify(path.join(ROOT, 'src/logger'))};
      const nice = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const outcome = applyCpuPriority(-5, createLogger({ level: 'silent', pretty: false }));
      const threads = readdirSync('/proc/self/task').map((t) => nice(readFileSync('/proc/self/task/' + t + '/stat', 'utf8')));
      const later = nice(spawnSync('cat', ['/proc/self/stat'], { encoding: 'utf8' }).stdout);
      console.log(JSON.stringify({ outcome, threads, later }));`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dockhand-nice-')), 'probe.ts');
    writeFileSync(file, script);
    // from nice 0 whatever this test runner runs at (a bot started in this worker raised it): lowering is always allowed
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', 'renice -n 0 -p $$ >/dev/null && exec "$0" "$1"', TSX, file], { cwd: ROOT, timeout: 30_000 }).finally(() => rmSync(path.dirname(file), { recursive: true, force: true }));
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { outcome: { raised: number; refused?: string }; threads: number[]; later: number };
    expect(r.threads.length).toBeGreaterThan(1);
    if (process.getuid?.() === 0) {
      expect(r.outcome.refused).toBeUndefined();
      expect(r.threads.every((n) => n === -5)).toBe(true);
      expect(r.later).toBe(-5);
    } else {
      expect(r.outcome.refused).toBe('EACCES');
      expect(r.threads.every((n) => n === 0)).toBe(true);
    }
  }, 40_000);
});

describe('BOT_NICE', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };
  it('defaults to -10 and takes -20 to 19', () => {
    expect(readConfig(base).botNice).toBe(-10);
    expect(readConfig({ ...base, BOT_NICE: '0' }).botNice).toBe(0);
    expect(readConfig({ ...base, BOT_NICE: '-20' }).botNice).toBe(-20);
  });
  it('refuses anything else with what it expected', () => {
    for (const bad of ['-21', '20', 'high', '1.5']) expect(() => readConfig({ ...base, BOT_NICE: bad })).toThrow(/BOT_NICE.*-20 to 19/);
  });
});
