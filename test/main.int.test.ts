import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SlackStandIn } from '../src/slack/stand-in/slack-stand-in';
import { newManager } from './sandbox/sandbox-fixture';
import { testProfileEnv } from './support/start-test-bot';
import { loadLesson } from '../src/lessons/lesson-loader';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the real entry point (`npm start` runs the same file) with a controlled environment. */
function runMain(env: Record<string, string>, opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
  const started = Date.now();
  const child = spawn(TSX, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  if (opts.input !== undefined) child.stdin.end(opts.input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not exit within ${opts.timeoutMs ?? 60000} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

describe('the bot process (src/main.ts)', () => {
  it('exits 1 naming each bad configuration variable', async () => {
    const r = await runMain({ SLACK_BOT_TOKEN: 'xoxp-wrong-kind', LOG_LEVEL: 'chatty', SANDBOX_CPUS: '-1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Invalid configuration:/);
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"/);
    expect(r.stderr).toMatch(/LOG_LEVEL: expected one of/);
    expect(r.stderr).toMatch(/SANDBOX_CPUS: expected CPUs per sandbox/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  describe('against a Slack stand-in', () => {
    let standIn: SlackStandIn;
    beforeAll(async () => {
      standIn = new SlackStandIn({ botToken: 'xoxb-the-right-token' });
      await standIn.start();
    });
    afterAll(() => standIn.stop());

    it('exits non-zero with one clear line when Slack rejects the bot token', async () => {
      const r = await runMain({ SLACK_BOT_TOKEN: 'xoxb-a-wrong-token', SLACK_APP_TOKEN: standIn.appToken, SLACK_API_URL: standIn.apiUrl, METRICS_PORT: 'off' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('Slack rejected SLACK_BOT_TOKEN: invalid_auth');
    });

    // The database down at start (with Slack tokens): the process waits and retries, see test/ops/start-retry.int.test.ts.
  });

  it('in local mode (no tokens, no DATABASE_URL) answers `help` typed at the terminal and leaves no process behind', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-local-'));
    fs.chmodSync(dataDir, 0o755);
    try {
      const r = await runMain({ DOCKHAND_DATA_DIR: dataDir, SANDBOX_INSTANCE: 'local-mode-test' }, { input: 'help\n', timeoutMs: 90000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Dockhand local mode');
      expect(r.stdout).toMatch(/SLACK_BOT_TOKEN.*SLACK_APP_TOKEN/s);
      expect(r.stdout).toMatch(/dockhand> [\s\S]*I'm Dockhand/);
      expect(r.stdout).toContain('`lessons`');
      expect(processesMentioning(dataDir)).toEqual([]);
      // The embedded database is kept for the next start.
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'pg', 'PG_VERSION'))).toBe(true);
    } finally {
      // `help` started the learner's sandbox (at the first message), left for the next start to adopt: remove it
      const { manager } = await newManager('main', {}, { instance: 'local-mode-test' });
      await manager.destroyAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('in local mode a person at the keyboard can work through lesson 1 (typed lines, a button picked by number)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-lesson-'));
    fs.chmodSync(dataDir, 0o755);
    const instance = `local-lesson-${process.pid}`;
    try {
      // "1" picks the first button of the last message: the step card's Hint.
      const input = 'help\nstart 1\n1\n$ docker run hello-world\n';
      const r = await runMain({ DOCKHAND_DATA_DIR: dataDir, ...testProfileEnv(), SANDBOX_INSTANCE: instance }, { input, timeoutMs: 200000 });
      expect(r.code).toBe(0);
      // The step count comes from the lesson file, so adding a step to lesson 1 does not break this test.
      const steps = (await loadLesson(path.join(__dirname, '..', 'lessons', '01-running-containers'))).lesson!.steps.length;
      expect(r.stdout).toContain(`Running containers · step 1 of ${steps}`);
      expect(r.stdout).toMatch(/\[1\] Hint\s+\[2\] Check/);
      expect(r.stdout).toMatch(/:bulb: /);
      expect(r.stdout).toContain('Hello from Docker!');
      expect(r.stdout).toContain(`Running containers · step 2 of ${steps}`);
    } finally {
      // The bot left its sandbox for the next start to adopt: remove it the way the bot would (network, disk, cgroups too).
      const { manager } = await newManager('main', {}, { instance });
      await manager.destroyAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('in local mode exits on SIGINT within 5 s, stopping the embedded PostgreSQL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-sigint-'));
    fs.chmodSync(dataDir, 0o755);
    try {
      // node itself runs the bot (tsx as a loader), so SIGINT reaches it directly: the tsx CLI relays signals with
      // 30 ms waits and kills its child with exit 130 when a loaded machine answers slower.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, DOCKHAND_DATA_DIR: dataDir, SANDBOX_INSTANCE: 'sigint-test' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const deadline = Date.now() + 60000;
      while (!stdout.includes('you>') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(processesMentioning(dataDir).length).toBeGreaterThan(0); // postgres is running
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      // Bounded by the bot's own shutdown deadline plus margin; a bot that ignores SIGINT gives 'still running'.
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 30_000)))]);
      clearTimeout(timer);
      if (code === 'still running') child.kill('SIGKILL');
      expect(code).toBe(0);
      const settle = Date.now() + 3000;
      while (processesMentioning(dataDir).length && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
