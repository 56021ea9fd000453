import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importScenario } from '../../../src/lessons/import/import-scenario';
import { assetScript, backgroundSetup, foregroundDoesSetup, redirectWrites, rewriteKs, waitedFiles, wrapVerify } from '../../../src/lessons/import/scenario-scripts';

const FIX = path.join(__dirname, '../../fixtures');
/** Runs generated shell with the local bash (no sandbox needed); the spawn timeout only guards the test run. */
const bash = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });

describe('Killercoda scripts become setups and checks that work in a Dockhand sandbox', () => {
  test("/ks moves to /opt/ks (the sandbox root is read-only); other paths stay", () => {
    expect(rewriteKs('FILE=/ks/init.sh; bash ${FILE} > /ks/init.log; cd /ks; ls /books /opt/ks /ks').text).toBe(
      'FILE=/opt/ks/init.sh; bash ${FILE} > /opt/ks/init.log; cd /opt/ks; ls /books /opt/ks /opt/ks',
    );
  });

  test('a background that waits for a file nobody creates gets it created first, so the setup ends', async () => {
    const ready = path.join(os.tmpdir(), `dockhand-ready-${randomBytes(4).toString('hex')}`);
    const out = path.join(os.tmpdir(), `dockhand-out-${randomBytes(4).toString('hex')}`);
    const bg = backgroundSetup('background script x.sh', `until [ -f ${ready} ]; do sleep 1; done\necho started > ${out}`, new Set());
    expect(bg.created).toEqual([ready]);
    const r = bash(bg.text);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    await expect(fs.readFile(out, 'utf8')).resolves.toBe('started\n');
    await fs.rm(ready, { force: true });
    await fs.rm(out, { force: true });
  });

  test('a file an asset provides (or an earlier script creates) is not created again; a failing background does not fail the setup', () => {
    expect(waitedFiles('FILE=/opt/ks/init.sh; while ! test -f ${FILE}; do sleep 0.1; done')).toEqual(['/opt/ks/init.sh']);
    expect(backgroundSetup('b', 'while [ ! -f /opt/ks/init.sh ]; do sleep 1; done', new Set(['/opt/ks/init.sh'])).created).toEqual([]);
    const r = bash(backgroundSetup('background script broken.sh', 'echo trying; exit 3', new Set()).text);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('dockhand: background script broken.sh exited 3 (ignored)');
  });

  test('a verify script that fails silently gets a line the learner can read; its own output and exit code are kept otherwise', () => {
    const silent = bash(wrapVerify('#!/bin/bash\nset -e\ntest -f /nonexistent/file', 'Start nginx', 'step1/verify.sh'));
    expect(silent.status).toBe(1);
    expect(silent.stdout.trim()).toBe('FAIL: Not done yet: Start nginx.');
    const talking = bash(wrapVerify('echo "the container web is missing"; exit 2', 'Start nginx', 'step1/verify.sh'));
    expect([talking.status, talking.stdout.trim()]).toEqual([2, 'the container web is missing']);
    // the check's own log (moved to the scratch folder) comes before that line: the author sees it, the learner does not
    const log = `/tmp/dockhand-verify/log-${randomBytes(4).toString('hex')}`;
    const logged = bash(wrapVerify(`{ echo "grep found nothing"; false; } >> ${log} 2>&1`, 'Start nginx', 'step1/verify.sh', [log]));
    expect([logged.status, logged.stdout.trim()]).toEqual([1, 'grep found nothing\nFAIL: Not done yet: Start nginx.']);
    const ok = bash(wrapVerify('echo done', 'Start nginx', 'step1/verify.sh'));
    expect([ok.status, ok.stdout.trim()]).toEqual([0, 'done']);
  });

  test("a verify script's own log files go to the check's scratch folder (checks see the learner's files read-only)", () => {
    const v = redirectWrites('LOGFILE=/opt/ks/step1-verify.log\n{ date; } >> ${LOGFILE} 2>&1\necho x > /root/mark\nls > /dev/null\necho y >> /tmp/own');
    expect(v.text).toBe('LOGFILE=/tmp/dockhand-verify/step1-verify.log\n{ date; } >> ${LOGFILE} 2>&1\necho x > /tmp/dockhand-verify/mark\nls > /dev/null\necho y >> /tmp/own');
    expect(v.moved).toEqual(['/root/mark', '/opt/ks/step1-verify.log']);
  });

  test('foreground scripts that only wait or greet are dropped; ones that set things up are kept', () => {
    expect(foregroundDoesSetup('FILE=/ks/wait-init.sh; while ! test -f ${FILE}; do clear; sleep 0.1; done; bash ${FILE}')).toBe(false);
    expect(foregroundDoesSetup('echo waiting\nwhile [ ! -f /tmp/bg ]; do sleep 1; done\necho Hello!')).toBe(false);
    expect(foregroundDoesSetup('mkdir -p /root/work\necho data > /root/work/input.txt')).toBe(true);
  });

  test('assets are written byte for byte: text as a heredoc, binary as base64', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-assets-'));
    try {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0a, 0x00]);
      const text = Buffer.from("echo 'DOCKHAND_ASSET_EOF'\nDOCKHAND_ASSET_EOF\nend\n");
      const r = bash(assetScript([{ target: `${dir}/img/logo.png`, bytes: png, executable: false }, { target: `${dir}/bin/run.sh`, bytes: text, executable: true }]));
      expect(r.status).toBe(0);
      expect(await fs.readFile(`${dir}/img/logo.png`)).toEqual(png);
      expect(await fs.readFile(`${dir}/bin/run.sh`)).toEqual(text);
      expect((await fs.stat(`${dir}/bin/run.sh`)).mode & 0o111).not.toBe(0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('assets: globs expand, ~ is /root, other hosts and the platform solution are reported, not copied', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/scripts-and-assets'));
    const setup = l.files.get('steps/01-look-at-the-prepared-files-setup.sh')!;
    expect(setup).toContain("base64 -d > '/root/img/logo.png'");
    expect(setup).toContain("cat > '/root/conf/app.conf'");
    expect(setup).toContain("cat > '/root/conf/extra.conf'");
    expect(l.notes).toContainEqual({ severity: 'todo', where: 'details.assets', message: '1 asset(s) for host02 not copied: a Dockhand sandbox is one machine' });
    // the step's foreground does set-up work and runs after the intro's background
    expect(setup.indexOf('intro/background.sh')).toBeLessThan(setup.indexOf('echo data > /root/work/input.txt'));
    const web = await importScenario(path.join(FIX, 'killercoda/web-bind-mount'));
    const webSetup = web.files.get('steps/01-start-nginx-on-a-bind-mount-setup.sh')!;
    expect(webSetup).toContain("cat > '/opt/ks/setup-site.sh'");
    expect(webSetup).not.toContain('kc-internal');
    expect(web.notes.map((n) => n.message)).toContain('asset solution.sh (for /var/run/kc-internal) not copied: it is the platform\'s solution, and learners could read it in their sandbox');
  });

  test("an intro background that is missing is replaced by the scenario's own assets/init.sh, flagged", async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/missing-background'));
    const setup = l.files.get('steps/01-use-the-prepared-file-setup.sh')!;
    expect(setup).toContain("# the scenario's asset init.sh: bounded by 120 s");
    expect(setup).toContain('bash /opt/ks/init.sh');
    expect(setup.indexOf("cat > '/opt/ks/init.sh'")).toBeLessThan(setup.indexOf('bash /opt/ks/init.sh'));
    expect(l.notes).toContainEqual({
      severity: 'todo',
      where: 'details.intro',
      message: 'the intro background "init/background.sh" is missing; the setup runs the asset /opt/ks/init.sh instead, as the background scripts of Killercoda\'s own courses do: check that this is what the scenario needs',
    });
  });

  test('every generated setup and check is valid bash', async () => {
    for (const f of ['killercoda/web-bind-mount', 'killercoda/scripts-and-assets', 'killercoda/image-zoo', 'killercoda/missing-background', 'katacoda/first-container']) {
      const l = await importScenario(path.join(FIX, f));
      for (const [name, text] of l.files) {
        if (!name.endsWith('.sh')) continue;
        const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
        expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 0, stderr: '' });
      }
    }
  });
});
