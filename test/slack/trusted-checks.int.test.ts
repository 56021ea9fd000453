import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { interpretCheck } from '../../src/lessons/check-outcome';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { oneStream } from '../../src/lessons/step-scripts';
import { PROJECT_ROOT } from '../../src/project-root';
import type { RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import { slackFixture } from '../support/fixtures';
import { LearnerDriver } from '../support/learner-driver';
import { FAKE_API_ATTACK_COMMAND } from '../../bench/attacks/check-attacks';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

// A competing learner tries every trick of issue 11 in a channel challenge, through Slack, while a bystander races
// honestly beside them. The bot runs as in production: the disk cap is on, so the sandbox's root filesystem is
// read-only and the tricks go in with `mount --bind` (the learner is root in their own namespaces).
jest.setTimeout(1_200_000);

const ADMIN = 'U0ADMIN01';
const limits = { rateLimits: { 'chat.update': 50, 'chat.postMessage': 600 } };

let t: TestBot;
const latencies: number[] = [];

function slash(user: string, channel: string, text: string): Promise<string> {
  const mark = t.standIn.calls.length;
  return t.standIn
    .sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: channel, text })
    .then(() => t.standIn.waitForCall('response_url', (c) => t.standIn.calls.indexOf(c) >= mark))
    .then((c) => String(c.args.text));
}
const inChannel = (channel: string, mark: number, pattern: RegExp) =>
  t.standIn.waitForCall('chat.postMessage', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.channel === channel && pattern.test(String(c.args.text) + JSON.stringify(c.args.blocks ?? '')), 60_000);

async function accept(l: LearnerDriver, card: RecordedCall, title: RegExp): Promise<void> {
  const blocks = card.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id.startsWith('challenge:accept:'))!;
  const mark = l.mark;
  await t.standIn.clickButton(l.user, { channel: String(card.args.channel), ts: String(card.response.ts), blocks: card.args.blocks }, { action_id: button.action_id, value: button.value });
  await l.waitForPost(title, mark, 180_000);
}

async function startChallenge(exercise: string, title: RegExp): Promise<{ channel: string; card: RecordedCall }> {
  const channel = uniqueId('C');
  const mark = t.standIn.calls.length;
  expect(await slash(ADMIN, channel, `challenge start ${exercise} 30m`)).toMatch(/challenge is on/);
  return { channel, card: await inChannel(channel, mark, title) };
}

/** A command typed in the DM; it must have worked (exit 0). */
async function type(l: LearnerDriver, command: string): Promise<void> {
  const { final } = await l.run(command, 180_000);
  expect(String(final.args.text)).toMatch(/: exit 0/);
}

/** `check` in the DM: the verdict's text. */
async function check(l: LearnerDriver, verdict: RegExp = /^(Not done yet|:white_check_mark:)/): Promise<string> {
  const mark = l.mark;
  await l.say('check');
  return String((await l.waitForPost(verdict, mark, 120_000)).args.text);
}

/** The bystander asks for a check while the cheater works: the time until the answer is printed, not asserted. */
async function bystanderCheck(l: LearnerDriver): Promise<void> {
  const t0 = performance.now();
  expect(await check(l)).toMatch(/^Not done yet: /);
  latencies.push(performance.now() - t0);
}

async function finalResults(channel: string, first: LearnerDriver, unsolved: LearnerDriver): Promise<void> {
  const mark = t.standIn.calls.length;
  expect(await slash(ADMIN, channel, 'challenge end')).toMatch(/has ended/);
  const text = JSON.stringify((await inChannel(channel, mark, /Final results/)).args.blocks);
  const [a, b] = [text.indexOf(`<@${first.user}>`), text.indexOf(`<@${unsolved.user}>`)];
  expect(a).toBeGreaterThanOrEqual(0);
  expect(b).toBeGreaterThan(a);
  expect(text.slice(b)).toMatch(/not solved/);
}

/** A preload library that answers for `timeout` (the old runner's first program) and exits 0. */
function cheatLibrary(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dockhand-preload-'));
  try {
    writeFileSync(
      path.join(dir, 'cheat.c'),
      '#define _GNU_SOURCE\n#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n' +
        '__attribute__((constructor)) static void cheat(void) {\n  if (strcmp(program_invocation_short_name, "timeout") == 0) { puts("nginx answers on port 8080."); fflush(stdout); _exit(0); }\n}\n',
    );
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', path.join(dir, 'cheat.so'), path.join(dir, 'cheat.c')]);
    return readFileSync(path.join(dir, 'cheat.so')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts `file` (executable) into a read-only folder: a copy of the folder with it, bound over the original. */
const shadow = (dir: string, files: Record<string, string>) =>
  [
    `mkdir -p /root/.shadow${dir}`,
    `cp -a ${dir}/. /root/.shadow${dir}/`,
    ...Object.entries(files).map(([f, text]) => `printf '%s\\n' ${text} > /root/.shadow${dir}/${f} && chmod +x /root/.shadow${dir}/${f}`),
    `mount --bind /root/.shadow${dir} ${dir}`,
  ].join(' && ');
const PASS_LINE = `'#!/bin/sh' 'echo "nginx answers on port 8080."'`;
const FAKE_CURL = `'#!/bin/sh' 'echo "<h1>Welcome to nginx!</h1>"'`;
const FAKE_DOCKER = `'#!/bin/sh' 'case "$1" in ps) echo c0ffee ;; inspect) echo nginx ;; image) echo nginx@sha256:0 ;; port) echo 0.0.0.0:8080 ;; esac'`;

beforeAll(async () => {
  t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN, CHALLENGE_HINT_PENALTY_SECONDS: '30' }, standIn: limits });
});
afterAll(async () => {
  if (latencies.length) console.log(`bystander check latency while the cheater worked (n=${latencies.length}): ${latencies.map((x) => `${Math.round(x)} ms`).join(', ')}`);
  await t?.stop();
});

describe('trusted checks through Slack: a cheater and a bystander race', () => {
  it('nginx-on-8080: shims, a replaced curl, start-up files and ld.so.preload leave the cheater unsolved; the bystander wins', async () => {
    const { channel, card } = await startChallenge('nginx-on-8080', /Challenge: NGINX on port 8080/);
    const cheater = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    await accept(cheater, card, /NGINX on port 8080 · step 1 of 1/);
    await accept(bystander, card, /NGINX on port 8080 · step 1 of 1/);
    const key = `${t.teamId}:${cheater.user}`;
    const step = (await loadLessons(path.join(PROJECT_ROOT, 'lessons'))).lessons.find((l) => l.id === 'nginx-on-8080')!.steps[0]!;
    // the check as it ran before: a script inside the learner's sandbox
    const oldWay = async () => interpretCheck(await t.bot.sandboxes.execScript(key, oneStream(step.check), { timeoutMs: step.checkTimeoutMs }), step.checkTimeoutMs);
    const NOT_DONE = 'Not done yet: Nothing answers on localhost:8080 yet.';
    await t.bot.sandboxes.execScript(key, `base64 -d > /root/cheat.so <<'EOF'\n${cheatLibrary()}\nEOF`);

    const tricks: { name: string; plant: string; undo: string; foolsOldWay: boolean }[] = [
      // the sandbox runner too names timeout and bash by absolute path now: these two fool neither
      { name: 'timeout shim in /usr/local/bin', plant: shadow('/usr/local/bin', { timeout: PASS_LINE }), undo: 'umount /usr/local/bin && rm -rf /root/.shadow', foolsOldWay: false },
      { name: 'bash shim in /usr/local/bin', plant: shadow('/usr/local/bin', { bash: PASS_LINE }), undo: 'umount /usr/local/bin && rm -rf /root/.shadow', foolsOldWay: false },
      { name: '/usr/bin/timeout bind-mounted', plant: `printf '%s\\n' ${PASS_LINE} > /root/faketimeout && chmod +x /root/faketimeout && mount --bind /root/faketimeout /usr/bin/timeout`, undo: 'umount /usr/bin/timeout', foolsOldWay: true },
      { name: 'curl and docker shims in /usr/local/bin', plant: shadow('/usr/local/bin', { curl: FAKE_CURL, docker: FAKE_DOCKER }), undo: 'umount /usr/local/bin && rm -rf /root/.shadow', foolsOldWay: true },
      { name: '/usr/bin/curl replaced', plant: `printf '%s\\n' ${FAKE_CURL} > /root/fakecurl && chmod +x /root/fakecurl && mount --bind /root/fakecurl /usr/bin/curl`, undo: 'umount /usr/bin/curl', foolsOldWay: false },
      {
        name: 'aliases and functions in ~/.bashrc, BASH_ENV, ~/.curlrc',
        plant: `printf '%s\\n' 'curl() { echo "<h1>Welcome to nginx!</h1>"; }' 'alias docker="echo nginx"' 'export BASH_ENV=/root/.bash_env' >> ~/.bashrc && echo 'exit 0' > ~/.bash_env && echo 'write-out = "Welcome to nginx"' > ~/.curlrc`,
        undo: 'true',
        foolsOldWay: false,
      },
      { name: '/etc/ld.so.preload', plant: `${shadow('/etc', {})} && echo /root/cheat.so > /etc/ld.so.preload`, undo: 'umount /etc && rm -rf /root/.shadow', foolsOldWay: true },
    ];
    for (const trick of tricks) {
      await type(cheater, trick.plant);
      if (trick.foolsOldWay) expect({ trick: trick.name, old: (await oldWay()).passed }).toEqual({ trick: trick.name, old: true });
      expect({ trick: trick.name, verdict: await check(cheater) }).toEqual({ trick: trick.name, verdict: NOT_DONE });
      await bystanderCheck(bystander);
      await type(cheater, trick.undo);
    }
    // the honest solution passes for the bystander; the cheater stays unsolved
    const mark = bystander.mark;
    await bystander.run('docker run -d --name web -p 8080:80 nginx', 180_000);
    await bystander.waitForPost(/Challenge solved in/, mark, 120_000);
    expect(await check(cheater)).toBe(NOT_DONE);
    await finalResults(channel, bystander, cheater);
  });

  it('numbers-in-a-container: a hand-written answer, a container that only prints it, and a sandbox without this attempt leave the cheater unsolved', async () => {
    const { channel, card } = await startChallenge('numbers-in-a-container', /Challenge: Crunch numbers in a container/);
    const cheater = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    await accept(cheater, card, /Crunch numbers in a container · step 1 of 1/);
    await accept(bystander, card, /Crunch numbers in a container · step 1 of 1/);
    const awkMean = `awk '{ s += $1 } END { print s / NR }' ~/numbers.txt`;

    // the expected output file, written by hand
    await type(cheater, `${awkMean} > ~/mean.txt`);
    expect(await check(cheater)).toMatch(/^Not done yet: No container of the dockhand\/ml image printed [0-9.]+\. /);
    await bystanderCheck(bystander);

    // a container that prints the right answer without reading the data
    await type(cheater, `docker run -v ~:/work dockhand/ml echo "$(${awkMean})" > ~/mean.txt`);
    expect(await check(cheater)).toMatch(/^Not done yet: Run again on other numbers, your container printed '[0-9.]+' instead of their mean [0-9.]+: it must compute the mean from ~\/numbers.txt\.$/);
    await bystanderCheck(bystander);

    // a checked file holding the tutor's private-use mention markers around a user id, a <!channel> and mrkdwn:
    // the FAIL line quotes the file, and the learner's message carries neither a mention nor formatting
    await type(cheater, `printf '\\356\\204\\200user:${ADMIN}\\356\\204\\201 <!channel> *bold*\\n' > ~/mean.txt`);
    let mark = cheater.mark;
    await cheater.say('check');
    const verdict = await cheater.waitForPost(/^Not done yet/, mark, 120_000);
    // no marker anywhere; no mention syntax where Slack parses it (the text, mrkdwn); plain_text is never parsed
    expect(`${String(verdict.args.text)}\n${JSON.stringify(verdict.args.blocks)}`).not.toMatch(/\uE100|\uE101|\\ue10[01]|<@U/i);
    const parsed = [String(verdict.args.text), ...(verdict.args.blocks as { text?: { type: string; text: string } }[]).filter((b) => b.text?.type === 'mrkdwn').map((b) => b.text!.text)];
    expect(parsed.join('\n')).not.toMatch(/<[@!#]/);
    expect(String(verdict.args.text)).toBe(`Not done yet: ~/mean.txt says user:${ADMIN} &lt;!channel&gt; *bold*, which is not the mean of your numbers.`);
    const blocks = verdict.args.blocks as { type: string; text?: { type: string; text: string } }[];
    expect(blocks.find((b) => b.text?.text.startsWith('Not done yet'))!.text).toEqual({ type: 'plain_text', emoji: true, text: `Not done yet: ~/mean.txt says user:${ADMIN} <!channel> *bold*, which is not the mean of your numbers.` });
    await bystanderCheck(bystander);

    // a sandbox not prepared for this attempt: `reset` drops it; numbers of the cheater's own, honestly averaged
    mark = cheater.mark;
    await cheater.say('reset');
    await cheater.waitForPost(/Your sandbox was reset/, mark);
    await type(cheater, 'seq 10 > ~/numbers.txt');
    await type(cheater, `docker run -v ~:/work dockhand/ml python3 -c 'import numpy as np; print(np.loadtxt("/work/numbers.txt").mean())' > ~/mean.txt`);
    expect(await check(cheater)).toMatch(/^Not done yet: This sandbox has no numbers for this exercise/);
    await bystanderCheck(bystander);

    // the honest solution passes
    mark = bystander.mark;
    await bystander.run(`docker run -v ~:/work dockhand/ml python3 -c 'import numpy as np; print(np.loadtxt("/work/numbers.txt").mean())' > ~/mean.txt`, 180_000);
    await bystander.waitForPost(/Challenge solved in/, mark, 120_000);
    await finalResults(channel, bystander, cheater);
  });
});

describe('a forged engine through Slack', () => {
  it('lesson 1 step 1: an iptables REDIRECT to a fake Docker API does not pass for the attacker, who is told what the check saw; the bystander passes', async () => {
    const attacker = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    for (const l of [attacker, bystander]) {
      const since = l.mark;
      await l.say('start running-containers');
      await l.waitForPost(/step 1 of/, since, 300_000);
    }
    // one line, as a learner would paste it: the fake API (setsid perl), the REDIRECT, a try at the socket
    const { final } = await attacker.run(`echo ${Buffer.from(FAKE_API_ATTACK_COMMAND).toString('base64')} | base64 -d > /tmp/attack.sh && bash /tmp/attack.sh`, 180_000);
    expect(String(final.args.text)).toMatch(/: exit 0/);
    expect(LearnerDriver.blocksText(final)).toMatch(/fake-api-up[\s\S]*socket-locked/);
    const t0 = performance.now();
    // the lesson's images are pulled in the background when it opens: the check sees hello-world pulled or not yet
    expect(await check(attacker)).toMatch(/^Not done yet: (No hello-world container yet\. Type: docker run hello-world|You have the hello-world image, but no hello-world container is left to look at: .*Type: docker run hello-world \(without --rm\))$/);
    const attackerMs = performance.now() - t0;

    // the bystander's real `docker run hello-world` passes (the check after a command, then the next step)
    const mark = bystander.mark;
    const { final: ran } = await bystander.run('docker run hello-world', 180_000);
    const t1 = performance.now();
    expect(String(ran.args.text)).toMatch(/: exit 0/);
    await bystander.waitForPost(/^:white_check_mark: hello-world ran/, mark, 120_000);
    const bystanderMs = performance.now() - t1;
    // and an explicit check of the next step answers too
    const t2 = performance.now();
    expect(await check(bystander)).toMatch(/^Not done yet: /);
    latencies.push(performance.now() - t2);
    console.log(`forged-engine test: attacker's check ${Math.round(attackerMs)} ms; bystander's pass after their command ${Math.round(bystanderMs)} ms; bystander's next check ${Math.round(latencies.at(-1)!)} ms`);
  });
});
