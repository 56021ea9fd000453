import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { interpretCheck, runCheck } from '../../../src/lessons/check-outcome';
import { loadLessons } from '../../../src/lessons/lesson-loader';
import { ManagerLessonSandbox } from '../../../src/lessons/manager-lesson-sandbox';
import { oneStream } from '../../../src/lessons/step-scripts';
import type { LessonStep } from '../../../src/lessons/types';
import { LABEL_OWNER } from '../../../src/sandbox/checks/inspector-spec';
import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages } from '../sandbox-fixture';

// Learners are root in their sandbox: everything a check ran there was theirs to replace. Each bad input below is
// planted as a learner would (here without the disk cap, so the root filesystem is writable: the cap's mount
// tricks go through Slack in test/slack/trusted-checks.int.test.ts), shown to fool a check run inside the sandbox,
// and shown not to fool the same check run by the trusted runner.
jest.setTimeout(180_000);

const CHEATER = 'T1:Ucheater';
const BYSTANDER = 'T1:Ubystander';
let manager: SandboxManager;
let instance: string;
let nginx: LessonStep;

const NOT_DONE = 'Nothing answers on localhost:8080 yet.';
/** Fake tools a cheater installs; each prints what the nginx-on-8080 check wants to see. */
const FAKE_DOCKER = `#!/bin/sh
case "$1" in ps) echo c0ffee ;; inspect) echo nginx ;; image) echo nginx@sha256:0 ;; port) echo 0.0.0.0:8080 ;; esac
exit 0`;
const FAKE_CURL = `#!/bin/sh
echo '<h1>Welcome to nginx!</h1>'`;

const sandbox = (key: string) => new ManagerLessonSandbox(manager, key);
/** The check as it ran before the trusted runner: a script inside the learner's sandbox. */
const oldWay = async (key: string) => interpretCheck(await manager.execScript(key, oneStream(nginx.check), { timeoutMs: nginx.checkTimeoutMs }), nginx.checkTimeoutMs);
const trusted = (key: string) => runCheck(sandbox(key), nginx);
/** What the learner types into their shell (the attached pty, started before any trick is planted). */
async function learner(key: string, command: string): Promise<string> {
  const r = await manager.run(key, command, { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`learner command failed (${r.exitCode}): ${r.output}`);
  return r.output.trim();
}
const writeFile = (file: string, text: string) => `mkdir -p "$(dirname ${file})" && cat > ${file} <<'DOCKHAND_EOF'\n${text}\nDOCKHAND_EOF\nchmod +x ${file}`;

beforeAll(async () => {
  await sandboxImages();
  ({ manager, instance } = await newManager('checks', { maxSandboxes: 3 }));
  await manager.start();
  nginx = (await loadLessons(path.join(__dirname, '../../../lessons'))).lessons.find((l) => l.id === 'nginx-on-8080')!.steps[0]!;
  await Promise.all([learner(CHEATER, 'true'), learner(BYSTANDER, 'true')]);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('a cheater planting tools in their sandbox does not pass a check', () => {
  it.each([
    ['`curl` and `docker` shims in /usr/local/bin', `${writeFile('/usr/local/bin/curl', FAKE_CURL)}\n${writeFile('/usr/local/bin/docker', FAKE_DOCKER)}`, 'rm /usr/local/bin/curl /usr/local/bin/docker'],
    [
      'a `timeout` answering for nginx bind-mounted over /usr/bin/timeout',
      `${writeFile('/usr/local/lib/fake-timeout', '#!/bin/sh\necho "nginx answers on port 8080."')}\nmount --bind /usr/local/lib/fake-timeout /usr/bin/timeout`,
      'umount /usr/bin/timeout; rm /usr/local/lib/fake-timeout',
    ],
  ])('%s: fools a check inside the sandbox, not the trusted one', async (_name, plant, undo) => {
    await learner(CHEATER, plant);
    try {
      expect(await oldWay(CHEATER)).toMatchObject({ passed: true });
      expect(await trusted(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
    } finally {
      await learner(CHEATER, undo);
    }
  });

  it.each([
    ['a `timeout` shim in /usr/local/bin', writeFile('/usr/local/bin/timeout', `#!/bin/sh\necho "nginx answers on port 8080."`), 'rm /usr/local/bin/timeout'],
    ['a `bash` shim in /usr/local/bin', writeFile('/usr/local/bin/bash', `#!/bin/sh\necho "nginx answers on port 8080."`), 'rm /usr/local/bin/bash'],
  ])('%s: fools neither the sandbox runner (trusted tools by absolute path) nor the check', async (_name, plant, undo) => {
    await learner(CHEATER, plant);
    try {
      expect(await oldWay(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
      expect(await trusted(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
    } finally {
      await learner(CHEATER, undo);
    }
  });

  it('/usr/bin/curl replaced: the sandbox curl lies, the check uses its own', async () => {
    await learner(CHEATER, `cp /usr/bin/curl /root/.curl.real\n${writeFile('/usr/bin/curl', FAKE_CURL)}`);
    try {
      expect(await learner(CHEATER, 'curl -s localhost:8080')).toContain('Welcome to nginx');
      expect(await trusted(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
    } finally {
      await learner(CHEATER, 'cp /root/.curl.real /usr/bin/curl');
    }
  });

  it('aliases and functions in ~/.bashrc, /etc/bash.bashrc and a BASH_ENV file: the check shell reads none', async () => {
    const rc = `curl() { echo '<h1>Welcome to nginx!</h1>'; }\ndocker() { echo nginx 0.0.0.0:8080; }\nalias curl="echo Welcome to nginx"\nexport BASH_ENV=/root/.bash_env`;
    await learner(CHEATER, `cat >> /root/.bashrc <<'EOF'\n${rc}\nEOF\ncat >> /etc/bash.bashrc <<'EOF'\n${rc}\nEOF\nprintf '%s\\n' 'curl() { echo Welcome to nginx; }' 'exit 0' > /root/.bash_env\nprintf 'write-out = "Welcome to nginx"\\n' > /root/.curlrc`);
    // a shell that reads start-up files is fooled
    expect((await manager.execScript(CHEATER, `bash -ic 'curl -s localhost:8080' 2>/dev/null`)).output).toContain('Welcome to nginx');
    expect((await manager.execScript(CHEATER, `BASH_ENV=/root/.bash_env bash -c 'echo not reached'; echo "exit $?"`)).output).toBe('exit 0\n');
    expect(await trusted(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
    const shell = await manager.checkScript(CHEATER, 'type -t curl; echo "home=$HOME bash_env=${BASH_ENV:-unset}"; curl -s --max-time 2 localhost:8080; echo "curl exit $?"');
    expect(shell.output).toBe('file\nhome=/root bash_env=unset\ncurl exit 7\n');
  });

  it('/etc/ld.so.preload: a library hijacking `timeout` fools the sandbox runner, not the check', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dockhand-preload-'));
    try {
      writeFileSync(
        path.join(dir, 'cheat.c'),
        `#define _GNU_SOURCE\n#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n` +
          `__attribute__((constructor)) static void cheat(void) {\n  if (strcmp(program_invocation_short_name, "timeout") == 0) { puts("nginx answers on port 8080."); fflush(stdout); _exit(0); }\n}\n`,
      );
      execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', path.join(dir, 'cheat.so'), path.join(dir, 'cheat.c')]);
      // the library goes in as a file (a learner would paste it in pieces); the preload line is typed
      const so = readFileSync(path.join(dir, 'cheat.so')).toString('base64');
      expect((await manager.execScript(CHEATER, `base64 -d > /root/cheat.so <<'EOF'\n${so}\nEOF`)).exitCode).toBe(0);
      await learner(CHEATER, 'echo /root/cheat.so > /etc/ld.so.preload');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    try {
      expect(await oldWay(CHEATER)).toMatchObject({ passed: true });
      expect(await trusted(CHEATER)).toMatchObject({ passed: false, message: NOT_DONE });
    } finally {
      // `rm` is not `timeout`: the library lets it run
      await learner(CHEATER, 'rm -f /etc/ld.so.preload');
    }
  });

  it('an honest solution still passes, for the cheater and for the bystander', async () => {
    await Promise.all([learner(CHEATER, 'docker run -d --name web -p 8080:80 nginx'), learner(BYSTANDER, 'docker run -d --name web -p 8080:80 nginx')]);
    expect(await trusted(CHEATER)).toEqual(expect.objectContaining({ passed: true }));
    expect(await trusted(BYSTANDER)).toEqual(expect.objectContaining({ passed: true }));
  });
});

describe('what a check can see', () => {
  it('only its own learner: their files as read-only data, their ports, never another sandbox', async () => {
    await learner(BYSTANDER, 'echo bystander-secret > /root/secret.txt');
    await learner(CHEATER, 'echo cheater-file > /root/mine.txt');
    const seen = await manager.checkScript(CHEATER, 'cat ~/mine.txt; ls -a /root /var/lib/docker/.dockhand/root | grep -c secret.txt; { echo x > ~/write-test; } 2>/dev/null || echo read-only');
    expect(seen.output).toBe('cheater-file\n0\nread-only\n');
  });

  it('a symlink planted by the learner resolves inside the check container, never on the host', async () => {
    // a marker on the engine host that a check must never read
    const marker = `/var/tmp/dockhand-host-marker-${process.pid}`;
    writeFileSync(marker, 'host secret');
    try {
      // links in the home folder: to the marker's path, and to /
      await learner(CHEATER, `ln -s ${marker} /root/marker; ln -s / /root/host`);
      const links = await manager.checkScript(CHEATER, `cat ~/marker ~/host${marker} 2>&1 | grep -c 'host secret'; test -L ~/host && echo link`);
      expect(links.output).toBe('0\nlink\n');
      // the home folder itself replaced by a link to / (a bind of that path made on the host would follow it
      // to the host's own /): before the key's first check, so its inspector is created after the link exists
      const key = 'T1:Ulinker';
      await learner(key, 'cd / && umount -l /root && rm -rf /var/lib/docker/.dockhand/root && ln -s / /var/lib/docker/.dockhand/root');
      const r = await manager.checkScript(key, `cat /root${marker} 2>&1 | grep -c 'host secret'; test -d /root/bin && echo "root is the check's own /"`);
      expect(r.output).toBe("0\nroot is the check's own /\n");
      await manager.reset(key);
    } finally {
      rmSync(marker, { force: true });
    }
  });
});

describe('the inspector', () => {
  it('runs beside the sandbox with its own labels, no capabilities, a read-only root, and goes with the sandbox', async () => {
    const key = 'T1:Ulife';
    await learner(key, 'true');
    const seed = await manager.newSeed(key, 'life.step');
    const sandboxId = manager.containerIdOf(key)!;
    const [found] = await docker.listContainers({ all: true, filters: { label: [`dockhand.instance=${instance}`, 'dockhand.role=inspector', `${LABEL_OWNER}=${sandboxId}`] } });
    const info = await docker.getContainer(found!.Id).inspect();
    // its own network namespace (linked to the sandbox's by a veth pair), never the sandbox's namespace
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] });
    expect((await manager.checkScript(key, 'cat /sys/class/net/dh-check0/operstate; readlink /proc/self/ns/net')).output).toMatch(/^up\nnet:\[\d+\]\n$/);
    expect(await learner(key, 'readlink /proc/self/ns/net')).not.toBe((await manager.checkScript(key, 'readlink /proc/self/ns/net')).output.trim());
    expect(info.HostConfig.PidMode ?? '').toBe('');
    expect(info.Config.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.learner': key });
    // the seed lives in the inspector only: the learner's sandbox has no copy of it
    expect((await manager.checkScript(key, 'echo "$DOCKHAND_SEED"', { seed: 'life.step' })).output).toBe(`${seed}\n`);
    expect(await learner(key, `test -e /run/dockhand/seeds && echo found; grep -rls -- '${seed}' /root /tmp /run /var/tmp 2>/dev/null | wc -l`)).toBe('0');

    // a restart adopts the sandbox and keeps its inspector (and so the seed)
    await manager.stop();
    await manager.start();
    expect((await manager.checkScript(key, 'echo "$DOCKHAND_SEED"', { seed: 'life.step' })).output).toBe(`${seed}\n`);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${sandboxId}`] } })).toHaveLength(1);

    const socketVolume = (await docker.getContainer(sandboxId).inspect()).Mounts.find((m) => m.Destination === '/dockhand-engine')!.Name!;
    await manager.reset(key);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${sandboxId}`] } })).toHaveLength(0);
    // the engine socket's volume (locked to the host's root) goes with them
    await expect(docker.getVolume(socketVolume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('an inspector whose sandbox vanished while the bot was down is swept at start-up; a dead one is replaced', async () => {
    const key = 'T1:Uorphan';
    await learner(key, 'true');
    await manager.checkScript(key, 'true');
    const sandboxId = manager.containerIdOf(key)!;
    const inspectorOf = async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${sandboxId}`] } }))[0];
    // a dead inspector (an out-of-memory check, say) is replaced on the next check
    await docker.getContainer((await inspectorOf())!.Id).kill();
    expect((await manager.checkScript(key, 'echo again')).output).toBe('again\n');
    const live = await inspectorOf();
    expect(live?.State).toBe('running');
    await manager.stop();
    // the sandbox's data (its /var/lib/docker) goes too: its inspector held it when the sandbox went
    const data = (await docker.getContainer(sandboxId).inspect()).Mounts.find((m) => m.Destination === '/var/lib/docker');
    await docker.getContainer(sandboxId).remove({ force: true, v: true });
    await manager.start();
    expect(await inspectorOf()).toBeUndefined();
    if (data?.Type === 'volume') await expect(docker.getVolume(data.Name!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    else expect(data?.Type).toBe('bind'); // a capped disk: nothing left on the engine
  });
});
