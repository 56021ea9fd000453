import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { LessonCatalog } from '../../../src/lessons/lesson-catalog';
import { PROJECT_ROOT } from '../../../src/project-root';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { acceptCard, countHits, inChannel, slash, TestClock } from './race-helpers';

const run = promisify(execFile);
jest.setTimeout(900_000);

const ADMIN = 'U0ADMIN01';
const SOLUTION = 'docker run -d --name web -p 8080:80 nginx';
const limits = { 'chat.update': 50, 'chat.postMessage': 600 };

/**
 * Issue 11 end to end: the real bot (Bolt over Socket Mode, Postgres, real sandboxes) through the Slack
 * stand-in. Times are decided by an injected clock (the test moves it), never by the wall clock.
 */
describe('a channel race, end to end', () => {
  const clock = new TestClock();
  const [honest1, honest2, honest3, fast, bystander] = ['U0HONEST1', 'U0HONEST2', 'U0HONEST3', 'U0FAST01', 'U0WATCH01'].map((u) => `${u}${uniqueId('').slice(0, 4)}`);
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({
      env: { ADMIN_USER_IDS: ADMIN, CHALLENGE_HINT_PENALTY_SECONDS: '30', CHALLENGE_MIN_SOLVE_SECONDS: '5' },
      standIn: { rateLimits: limits, users: { [fast!]: { name: 'speedy', realName: 'Speedy Gonzales' }, [honest1!]: { name: 'ada' } } },
      start: { challengeClock: clock },
    });
  });
  afterAll(() => t?.stop());

  it('pre-pulls images, ranks three honest racers by the injected clock, flags a too-fast solve, hides the solution, and re-ranks after a disqualification', async () => {
    const channel = uniqueId('C');
    let mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 30m')).toMatch(/challenge is on/);
    const card = await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    const board = await inChannel(t, channel, mark, /Leaderboard/);

    // Four racers accept at the same virtual moment; each gets a fresh sandbox that already holds nginx.
    const racers = [honest1!, honest2!, honest3!, fast!].map((u) => new LearnerDriver(t, u));
    const start = clock.now().getTime();
    await Promise.all(
      racers.map(async (l) => {
        const m = l.mark;
        await acceptCard(t, l.user, card);
        const stepCard = await l.waitForPost(/NGINX on port 8080 · step 1 of 1/, m, 300_000);
        expect(LearnerDriver.blocksText(stepCard)).not.toContain('tutor:solution');
      }),
    );
    for (const l of racers) {
      const id = t.bot.sandboxes.containerIdOf(`${t.teamId}:${l.user}`)!;
      const { stdout } = await run('docker', ['exec', id, 'docker', 'image', 'inspect', '--format', '{{index .RepoTags 0}}', 'nginx:latest']);
      expect(stdout.trim()).toBe('nginx:latest');
    }
    const entries = await t.bot.db.prisma.challengeEntry.findMany({ where: { challenge: { channelId: channel } } });
    expect(entries.map((e) => e.readyAt?.getTime())).toEqual(entries.map(() => start));

    // Hidden while the race runs: for a racer, and for someone who only opens the exercise in their DM.
    const [h1, h2, h3, f] = racers as [LearnerDriver, LearnerDriver, LearnerDriver, LearnerDriver];
    mark = h3.mark;
    await h3.say('solution');
    await h3.waitForPost(/stays hidden while the challenge runs/, mark);
    const watcher = new LearnerDriver(t, bystander!);
    mark = watcher.mark;
    await watcher.say('start nginx-on-8080');
    const watcherCard = await watcher.waitForPost(/NGINX on port 8080 · step 1 of 1/, mark, 60_000);
    expect(LearnerDriver.blocksText(watcherCard)).not.toContain('tutor:solution');
    mark = watcher.mark;
    await watcher.say('solution');
    await watcher.waitForPost(/stays hidden while the challenge runs/, mark);
    for (const who of [bystander!, honest3!]) {
      const m = t.standIn.calls.length;
      await t.standIn.sendEvent({ type: 'app_home_opened', user: who, channel: t.standIn.dmChannelFor(who), tab: 'home', event_ts: '1.1' });
      const home = await t.standIn.waitForCall('views.publish', (c) => t.standIn.calls.indexOf(c) >= m && c.args.user_id === who);
      expect(JSON.stringify(home.args.view)).not.toMatch(/8080:80|docker port|curl -sf/);
    }
    // Nothing in the racer's sandbox holds the check or the solution, and the check cannot be read off the
    // process table while it runs (a background loop snapshots every process's command line during checks).
    const exercise = (await LessonCatalog.load(path.join(PROJECT_ROOT, 'lessons'))).catalog.get('nginx-on-8080')!;
    const checkLine = exercise.steps[0]!.check.split('\n').map((x) => x.trim()).sort((a, b) => b.length - a.length)[0]!;
    const needles = [checkLine, exercise.steps[0]!.solution[0]!];
    const b64 = Buffer.from(needles.join('\n') + '\n').toString('base64');
    const scan = await h3.run(`echo ${b64} | base64 -d > /tmp/.needles; echo "files=$(grep -rIlsF -f /tmp/.needles /root /tmp /opt /home /etc /usr/local /srv /var/tmp /run | grep -vc '^/tmp/.needles$')"`, 180_000);
    expect(LearnerDriver.blocksText(scan.final)).toContain('files=0');
    // setsid -f: the loop leaves the shell's session, whose leftovers the sandbox kills when the command ends.
    const loop = await h3.run(`setsid -f bash -c 'for i in $(seq 1 600); do cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\\\0" " "; echo; sleep 0.02; done > /tmp/ps.log' </dev/null >/dev/null 2>&1; sleep 1; test -s /tmp/ps.log && echo snooping`);
    expect(LearnerDriver.blocksText(loop.final)).toContain('```snooping');
    mark = h3.mark;
    await h3.say('check');
    await h3.waitForPost(/^Not done yet/, mark, 120_000);
    const snooped = await h3.run(countHits('/tmp/ps.log', needles));
    expect(LearnerDriver.blocksText(snooped.final)).toMatch(/hits=0 lines=[1-9]/);

    // The race, by the injected clock: the too-fast one at 0:02, then 0:40, 1:00, and 0:50 plus a 30 s hint.
    const solve = async (l: LearnerDriver, atSeconds: number) => {
      clock.set(start + atSeconds * 1000);
      const m = l.mark;
      await l.run(SOLUTION, 180_000);
      return l.waitForPost(/Challenge solved in/, m, 120_000);
    };
    expect(String((await solve(f, 2)).args.text)).toContain('0:02');
    expect(String((await solve(h2, 40)).args.text)).toContain('0:40');
    mark = h1.mark;
    await h1.say('hint');
    await h1.waitForPost(/^Hint: /, mark);
    expect(String((await solve(h1, 50)).args.text)).toContain('1:20');
    expect(String((await solve(h3, 60)).args.text)).toContain('1:00');
    await t.standIn.waitForCall('chat.update', (c) => c.args.ts === board.response.ts && JSON.stringify(c.args.blocks).includes(`4. <@${h1.user}>`), 60_000);

    clock.set(start + 120_000);
    mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge end')).toMatch(/has ended/);
    const results = await inChannel(t, channel, mark, /Final results/);
    const text = JSON.stringify(results.args.blocks);
    const line = (n: number, l: LearnerDriver) => new RegExp(`${n}\\. <@${l.user}> `);
    expect(text).toMatch(line(1, f));
    expect(text).toMatch(line(2, h2));
    expect(text).toMatch(line(3, h3));
    expect(text).toMatch(line(4, h1));
    expect(text).toMatch(new RegExp(`<@${f.user}> 0:02, no hints · \\d+ attempts? · :warning: solved in 0:02: review`));
    expect(text).toMatch(new RegExp(`<@${h1.user}> 1:20, 1 hint \\(\\+0:30\\) · \\d+ attempts?`));
    expect(text).toMatch(/For an admin to review.*under 5 s/);

    // Disqualification: admins only, friendly errors, then the posted results are edited in place.
    expect(await slash(t, honest2!, channel, 'challenge disqualify @speedy')).toMatch(/only Dockhand admins/);
    expect(await slash(t, ADMIN, channel, 'challenge disqualify @nobody-here')).toMatch(/did not take part/);
    expect(await slash(t, ADMIN, uniqueId('C'), 'challenge disqualify @speedy')).toMatch(/No challenge has run in this channel/);
    mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge disqualify @Speedy Gonzales')).toMatch(/is disqualified.*final results were re-ranked/);
    const edited = await t.standIn.waitForCall('chat.update', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.ts === results.response.ts, 60_000);
    const after = JSON.stringify(edited.args.blocks);
    expect(after).toMatch(line(1, h2));
    expect(after).toMatch(line(2, h3));
    expect(after).toMatch(line(3, h1));
    expect(after).toMatch(new RegExp(`~<@${f.user}>~ disqualified by an admin`));
    expect(after).toContain(`Congratulations <@${h2.user}>`);
    await t.standIn.waitForCall('chat.update', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.ts === board.response.ts && JSON.stringify(c.args.blocks).includes(`1. <@${h2.user}>`), 60_000);
    expect(await slash(t, ADMIN, channel, 'challenge disqualify @speedy')).toMatch(/already disqualified/);
    const row = await t.bot.db.prisma.challengeEntry.findFirstOrThrow({ where: { challenge: { channelId: channel }, learner: { userId: f.user } } });
    expect(row.disqualifiedBy).toBe(ADMIN);
    expect(t.standIn.rateLimitViolations).toEqual([]);

    // After the end the exercise is ordinary again.
    mark = watcher.mark;
    await watcher.say('solution');
    await watcher.waitForPost(/^Solution/, mark);
  });
});
