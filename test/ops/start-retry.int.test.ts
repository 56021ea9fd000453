import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { freePort } from '../../src/store/embedded-postgres';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

async function readyz(port: number): Promise<{ status: number; body: { parts: Record<string, { ok: boolean; detail?: string }> } } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: (await res.json()) as { parts: Record<string, { ok: boolean; detail?: string }> } };
  } catch {
    return undefined;
  }
}

/** The real entry point (src/main.ts) as a service: Slack tokens, METRICS_PORT, and a database that is down. */
describe('start-up with the database down', () => {
  const standIn = new SlackStandIn({ botToken: 'xoxb-retry-token' });
  let child: ChildProcess | undefined;
  beforeAll(() => standIn.start());
  afterAll(async () => {
    child?.kill('SIGKILL');
    await standIn.stop();
  });

  it('stays up, answers /healthz, reports the database on /readyz (503, no password), retries, and exits 0 on SIGTERM', async () => {
    const dbPort = await freePort();
    const metricsPort = await freePort();
    child = spawn(TSX, ['src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        SLACK_BOT_TOKEN: standIn.botToken,
        SLACK_APP_TOKEN: standIn.appToken,
        SLACK_API_URL: standIn.apiUrl,
        DATABASE_URL: `postgresql://dockhand:pw-not-shown@127.0.0.1:${dbPort}/dockhand`,
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    // Two failed attempts (the first wait is 2 s): not a crash loop, a wait.
    const deadline = Date.now() + 60_000;
    let report: Awaited<ReturnType<typeof readyz>>;
    while (!((report = await readyz(metricsPort)) && (out.match(/start-up failed; retrying/g) ?? []).length >= 2)) {
      if (Date.now() > deadline) throw new Error(`no retry seen; output:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(report!.status).toBe(503);
    expect(report!.body.parts.database).toEqual({ ok: false, detail: `Cannot reach the database at 127.0.0.1:${dbPort}/dockhand: ECONNREFUSED (is the server running?)` });
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    expect(out).toMatch(/"retryInSeconds":4/);
    expect(out).not.toContain('pw-not-shown');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
