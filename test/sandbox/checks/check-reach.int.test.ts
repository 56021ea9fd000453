import * as path from 'node:path';
import { FAKE_API_ATTACK_COMMAND } from '../../../bench/attacks/check-attacks';
import { interpretCheck, runCheck } from '../../../src/lessons/check-outcome';
import { loadLessons } from '../../../src/lessons/lesson-loader';
import { ManagerLessonSandbox } from '../../../src/lessons/manager-lesson-sandbox';
import { oneStream } from '../../../src/lessons/step-scripts';
import type { LessonStep } from '../../../src/lessons/types';
import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox-fixture';

// What a learner, root in their own sandbox, can no longer reach from there: the way a check talks to their
// engine (a locked unix socket, its own network namespace), the config files of the tools a check runs, and a
// check that outlives its timeout. Each attack is made as the learner would, beside an honest bystander.
jest.setTimeout(300_000);

const CHEATER = 'T1:Ureach-cheater';
const BYSTANDER = 'T1:Ureach-bystander';
let manager: SandboxManager;
let hello: LessonStep;

const sandbox = (key: string) => new ManagerLessonSandbox(manager, key);
async function learner(key: string, command: string): Promise<string> {
  const r = await manager.run(key, command, { timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`learner command failed (${r.exitCode}): ${r.output}`);
  return r.output.trim();
}

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('reach', { maxSandboxes: 3 }));
  await manager.start();
  hello = (await loadLessons(path.join(__dirname, '../../../lessons'))).lessons.find((l) => l.id === 'running-containers')!.steps[0]!;
  await Promise.all([learner(CHEATER, 'true'), learner(BYSTANDER, 'true')]);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('the engine a check talks to', () => {
  it('a fake Docker API behind an iptables REDIRECT fools a check over the sandbox loopback, not the trusted one; the bystander passes', async () => {
    const out = await learner(CHEATER, FAKE_API_ATTACK_COMMAND);
    expect(out).toContain('fake-api-up');
    expect(out).toContain('socket-locked');
    // the fake works: the same check, run in the sandbox against the engine's old loopback port, passes
    const forged = interpretCheck(await manager.execScript(CHEATER, `export DOCKER_HOST=tcp://127.0.0.1:23750\n${oneStream(hello.check)}`, { timeoutMs: 30_000 }), 30_000);
    expect(forged).toMatchObject({ passed: true, message: 'hello-world ran. You have started your first container.' });
    // the trusted check sees the real engine: no container, no image
    expect(await runCheck(sandbox(CHEATER), hello)).toMatchObject({ passed: false, message: 'No hello-world container yet. Type: docker run hello-world' });

    await learner(BYSTANDER, 'docker run hello-world >/dev/null');
    const t0 = performance.now();
    expect(await runCheck(sandbox(BYSTANDER), hello)).toMatchObject({ passed: true });
    console.log(`bystander check (lesson 1 step 1) during the fake-API attack: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('the socket folder is the host root\'s: no unlink, rename, chmod or replacement; a mount on top in the sandbox changes nothing', async () => {
    const tries = await learner(
      CHEATER,
      [
        'for op in "rm -f /dockhand-engine/docker.sock" "mv /dockhand-engine/docker.sock /dockhand-engine/x" "chmod 777 /dockhand-engine" "touch /dockhand-engine/y"; do $op 2>/dev/null && echo "DONE: $op" || echo refused; done',
        // in the learner's own mount namespace only: their view changes, the inspector's mount does not
        'umount -l /dockhand-engine && mount -t tmpfs tmpfs /dockhand-engine && ln -s /tmp/fake.sock /dockhand-engine/docker.sock && echo covered',
      ].join('\n'),
    );
    expect(tries.split('\n')).toEqual(['refused', 'refused', 'refused', 'refused', 'covered']);
    const seen = await manager.checkScript(CHEATER, 'docker info -f "{{.Name}}"; stat -c "%u %a" /dockhand-engine');
    expect(seen.exitCode).toBe(0);
    expect(seen.output).toMatch(/^sandbox\n65534 755\n$/);
  });
});

describe('dotfiles in the learner\'s home', () => {
  it('a ~/.jq redefining a builtin and a repository with core.fsmonitor change no check; ~ is still the learner\'s home', async () => {
    await learner(CHEATER, [
      `printf '%s\\n' 'def length: 42;' > ~/.jq`,
      'git init -q ~/repo && cd ~/repo && echo a > a && git config core.fsmonitor "touch /tmp/fsmonitor-ran; echo fsmonitor-ran >&2; false" && git config core.hooksPath /root/hooks',
      'printf "#!/bin/sh\\ntouch /tmp/hook-ran\\n" > ~/repo/.git/hooks/post-checkout; chmod +x ~/repo/.git/hooks/post-checkout',
    ].join('\n'));
    // the learner's own shell is fooled, as it should be: those are their files
    expect(await learner(CHEATER, "echo '[1,2,3]' | jq length")).toBe('42');
    const r = await manager.checkScript(
      CHEATER,
      "echo '[1,2,3]' | jq length; cd ~/repo && git status --porcelain 2>&1; ls /tmp; echo \"home=$HOME learner=$LEARNER_HOME\"; sh -c 'echo child-home=${HOME:-unset}'; cat ~/repo/a",
    );
    expect(r.output).toBe('3\n?? a\nhome=/root learner=/root\nchild-home=unset\na\n');
    // controls, so the line above proves something: given the learner's home, or without the -c settings, the
    // same tools in the same inspector do read those files
    const control = await manager.checkScript(CHEATER, "echo '[1,2,3]' | HOME=/root jq length; cd ~/repo && env -u GIT_CONFIG_COUNT git status --porcelain >/dev/null 2>&1; ls /tmp");
    expect(control.output).toBe('42\nfsmonitor-ran\n');
  });
});

describe('a check past its timeout', () => {
  it('is ended inside the inspector through the engine, and the next check works', async () => {
    const slow = await manager.checkScript(BYSTANDER, 'sleep 300 & sleep 301; echo never', { timeoutMs: 2_000 });
    expect(slow).toMatchObject({ timedOut: true, exitCode: null });
    const after = await manager.checkScript(BYSTANDER, 'ps -eo args= | grep -c "^sleep 30[01]$"; echo next');
    expect(after.output).toBe('0\nnext\n');
    expect(await runCheck(sandbox(BYSTANDER), hello)).toMatchObject({ passed: true });
  });

  it('a `timeout` bind-mounted over /usr/bin/timeout in the sandbox changes no check', async () => {
    await learner(CHEATER, 'printf "#!/bin/sh\\necho hello-world ran.\\n" > /tmp/t && chmod +x /tmp/t && mount --bind /tmp/t /usr/bin/timeout && /usr/bin/timeout 1 true');
    expect(await runCheck(sandbox(CHEATER), hello)).toMatchObject({ passed: false, message: 'No hello-world container yet. Type: docker run hello-world' });
    const slow = await manager.checkScript(CHEATER, 'sleep 300', { timeoutMs: 2_000 });
    expect(slow.timedOut).toBe(true);
    expect((await manager.checkScript(CHEATER, 'echo ok')).output).toBe('ok\n');
  });
});
