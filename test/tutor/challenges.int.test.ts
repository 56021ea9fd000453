import type { RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import { createPrismaClient } from '../../src/store/prisma/prisma-client';
import { slackFixture } from '../support/fixtures';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

jest.setTimeout(300_000);

const ADMIN = 'U0ADMIN01';
const env = { ADMIN_USER_IDS: ADMIN, CHALLENGE_HINT_PENALTY_SECONDS: '30' };

/** Slack-like limits: the bot must stay inside them (violations are counted by the stand-in). */
const limits = { rateLimits: { 'chat.update': 50, 'chat.postMessage': 600 } };

function slash(t: TestBot, user: string, channel: string, text: string) {
  const mark = t.standIn.calls.length;
  return t.standIn
    .sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: channel, text })
    .then(() => t.standIn.waitForCall('response_url', (c) => t.standIn.calls.indexOf(c) >= mark))
    .then((c) => String(c.args.text) + JSON.stringify(c.args.blocks ?? ''));
}

const inChannel = (t: TestBot, channel: string, mark: number, pattern: RegExp) =>
  t.standIn.waitForCall('chat.postMessage', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.channel === channel && pattern.test(String(c.args.text) + JSON.stringify(c.args.blocks ?? '')), 60000);

async function accept(t: TestBot, user: string, card: RecordedCall) {
  const blocks = card.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id.startsWith('challenge:accept:'))!;
  await t.standIn.clickButton(user, { channel: String(card.args.channel), ts: String(card.response.ts), blocks: card.args.blocks }, { action_id: button.action_id, value: button.value });
}

const ephemeralTo = (t: TestBot, user: string, mark: number, pattern: RegExp) =>
  t.standIn.waitForCall('chat.postEphemeral', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.user === user && pattern.test(String(c.args.text)), 30000);

describe('channel challenges', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env, standIn: limits });
  });
  afterAll(() => t?.stop());

  it('three learners race on a real exercise: ranking with penalties, live leaderboard, first-solve note, final results', async () => {
    const channel = uniqueId('C');
    let mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 10m')).toMatch(/challenge is on/);
    const card = await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    const board = await inChannel(t, channel, mark, /Leaderboard/);
    expect(board.args.thread_ts).toBe(card.response.ts);

    const [l1, l2, l3] = [uniqueId('U'), uniqueId('U'), uniqueId('U')].map((u) => new LearnerDriver(t, u));
    for (const l of [l1!, l2!, l3!]) {
      const m = l.mark;
      await accept(t, l.user, card);
      const stepCard = await l.waitForPost(/NGINX on port 8080 · step 1 of 1/, m, 300_000);
      expect(LearnerDriver.blocksText(stepCard)).not.toContain('tutor:solution');
    }

    // l1 takes a hint (+30 s), then solves first.
    mark = l1!.mark;
    await l1!.say('hint');
    const hint = await l1!.waitForPost(/^Hint: /, mark);
    expect(LearnerDriver.blocksText(hint)).toContain('+30 s');
    mark = t.standIn.calls.length;
    await l1!.run('docker run -d --name web -p 8080:80 nginx');
    await l1!.waitForPost(/Challenge solved in/, mark, 60000);
    const note = await inChannel(t, channel, mark, /First solve/);
    expect(String(note.args.text)).toContain(`<@${l1!.user}>`);

    // l2 solves without hints: its time beats l1's time plus the penalty.
    mark = l2!.mark;
    await l2!.run('docker run -d --name web -p 8080:80 nginx');
    const l2solved = await l2!.waitForPost(/Challenge solved in/, mark, 60000);
    expect(String(l2solved.args.text)).toMatch(/number 1 so far/);

    // l3 cannot see the solution and gets it wrong.
    mark = l3!.mark;
    await l3!.say('solution');
    await l3!.waitForPost(/stays hidden while the challenge runs/, mark);
    const wrong = await l3!.run('docker run -d --name web -p 9090:80 nginx');
    // The automatic check keeps quiet about a step that is not done; asking for a check answers.
    mark = l3!.mark;
    await l3!.say('check');
    await l3!.waitForPost(/^Not done yet/, mark, 60000);
    expect(t.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === l3!.channel && t.standIn.calls.indexOf(c) >= wrong.since && /^Not done yet/.test(String(c.args.text)))).toHaveLength(1);

    // The leaderboard was edited live, within the rate limits.
    await t.standIn.waitForCall('chat.update', (c) => c.args.ts === board.response.ts && JSON.stringify(c.args.blocks).includes(`1. <@${l2!.user}>`), 30000);

    mark = t.standIn.calls.length;
    expect(await slash(t, uniqueId('U'), channel, 'challenge end')).toMatch(/only Dockhand admins/);
    expect(await slash(t, ADMIN, channel, 'challenge end')).toMatch(/has ended/);
    const results = await inChannel(t, channel, mark, /Final results/);
    expect(results.args.thread_ts).toBe(card.response.ts);
    const text = JSON.stringify(results.args.blocks);
    const order = [l2!, l1!, l3!].map((l) => text.indexOf(`<@${l.user}>`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order[0]! < order[1]! && order[1]! < order[2]!).toBe(true);
    expect(text).toMatch(/1 hint \(\+0:30\)/);
    expect(text).toMatch(/not solved/);
    const finalBoard = await t.standIn.waitForCall('chat.update', (c) => c.args.ts === board.response.ts && JSON.stringify(c.args.blocks).includes('(final)'), 30000);
    expect(JSON.stringify(finalBoard.args.blocks)).toContain(`1. <@${l2!.user}>`);
    expect(t.standIn.rateLimitViolations).toEqual([]);

    // The App Home lists the learner's challenge result.
    mark = t.standIn.calls.length;
    await t.standIn.sendEvent({ type: 'app_home_opened', user: l2!.user, channel: l2!.channel, tab: 'home', event_ts: '1.1' });
    const home = await t.standIn.waitForCall('views.publish', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.user_id === l2!.user);
    expect(JSON.stringify(home.args.view)).toMatch(new RegExp(`NGINX on port 8080 \\(<#${channel}>\\): number 1, \\d+:\\d\\d`));

    // After the end, the exercise is ordinary again: the solution shows.
    mark = l3!.mark;
    await l3!.say('solution');
    await l3!.waitForPost(/^Solution/, mark);

    const entries = await t.bot.db.prisma.challengeEntry.findMany({ include: { learner: true } });
    const byUser = Object.fromEntries(entries.map((e) => [e.learner.userId, e]));
    expect(byUser[l1!.user]).toMatchObject({ hintsUsed: 1 });
    expect(byUser[l1!.user]!.solvedAt).not.toBeNull();
    expect(byUser[l2!.user]!.solvedAt).not.toBeNull();
    expect(byUser[l3!.user]!.solvedAt).toBeNull();
    expect(byUser[l3!.user]!.attempts).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad starts, double accepts, late accepts and a second challenge per channel or per learner, politely', async () => {
    const c1 = uniqueId('C');
    const c2 = uniqueId('C');
    expect(await slash(t, ADMIN, c1, 'challenge start no-such-exercise')).toMatch(/don't know an exercise called "no-such-exercise".*nginx-on-8080/);
    expect(await slash(t, ADMIN, c1, 'challenge start nginx-on-8080 -5m')).toMatch(/not a duration/);
    expect(await slash(t, ADMIN, c1, 'challenge start nginx-on-8080 10y')).toMatch(/not a duration/);
    expect(await slash(t, ADMIN, c1, 'challenge start nginx-on-8080 soon')).toMatch(/not a duration/);
    expect(await slash(t, ADMIN, c1, 'challenge start nginx-on-8080 48h')).toMatch(/at most 24 hours/);
    expect(await slash(t, uniqueId('U'), c1, 'challenge start nginx-on-8080 10m')).toMatch(/only the workspace's Dockhand admins/);

    let mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, c1, 'challenge start nginx-on-8080 10m')).toMatch(/challenge is on/);
    const card1 = await inChannel(t, c1, mark, /Challenge: NGINX/);
    expect(await slash(t, ADMIN, c1, 'challenge start serve-your-page 10m')).toMatch(/already running in this channel/);
    mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, c2, 'challenge start serve-your-page 10m')).toMatch(/challenge is on/);
    const card2 = await inChannel(t, c2, mark, /Challenge: /);
    // The list names each running challenge with its channel and its number of participants.
    const participants = (list: string, channel: string) => {
      const m = new RegExp(`\\* in <#${channel}>: (\\d+) participants?, ends`).exec(list);
      if (!m) throw new Error(`no line for ${channel} in: ${list}`);
      return Number(m[1]);
    };
    let list = await slash(t, ADMIN, c2, 'challenge list');
    expect(list).toMatch(new RegExp(`NGINX on port 8080\\* in <#${c1}>: 0 participants, ends`));
    expect(participants(list, c2)).toBe(0);

    const l = new LearnerDriver(t, uniqueId('U'));
    mark = l.mark;
    await accept(t, l.user, card1);
    // The task appears once the fresh sandbox holds the exercise's images (pulled before the clock starts).
    await l.waitForPost(/step 1 of 1/, mark, 300_000);
    list = await slash(t, ADMIN, c2, 'challenge list');
    expect(list).toMatch(new RegExp(`NGINX on port 8080\\* in <#${c1}>: 1 participant, ends`));
    expect(participants(list, c1)).toBe(1);
    expect(participants(list, c2)).toBe(0);
    mark = t.standIn.calls.length;
    await accept(t, l.user, card1);
    await ephemeralTo(t, l.user, mark, /already in this challenge/);
    await accept(t, l.user, card2);
    await ephemeralTo(t, l.user, mark, new RegExp(`already in a challenge in <#${c1}>`));

    await slash(t, ADMIN, c1, 'challenge end');
    mark = t.standIn.calls.length;
    await accept(t, uniqueId('U'), card1);
    await t.standIn.waitForCall('chat.postEphemeral', (c) => t.standIn.calls.indexOf(c) >= mark && /has ended/.test(String(c.args.text)));
    await slash(t, ADMIN, c2, 'challenge end');
    expect(await slash(t, ADMIN, c2, 'challenge list')).toMatch(/No challenge is running/);
  });
});

describe('challenges across a bot restart', () => {
  it('ends a challenge whose deadline passed while the bot was down, and fires a deadline after the restart, losing no entry', async () => {
    const instance = uniqueId('chal-').toLowerCase();
    const first = await startTestBot({ env: { ...env, SANDBOX_INSTANCE: instance }, standIn: limits, keepSandboxes: true });
    const standIn = first.standIn;
    let second: TestBot | undefined;
    try {
      const overdue = uniqueId('C');
      const later = uniqueId('C');
      let mark = standIn.calls.length;
      await slash(first, ADMIN, overdue, 'challenge start nginx-on-8080 45s');
      const card = await inChannel(first, overdue, mark, /Challenge: NGINX/);
      const l = new LearnerDriver(first, uniqueId('U'));
      mark = l.mark;
      await accept(first, l.user, card);
      // Joined (the entry is stored); the task itself may still be on its way when the bot stops.
      await l.waitForPost(/You joined/, mark, 60000);
      const laterMark = standIn.calls.length;
      await slash(first, ADMIN, later, 'challenge start nginx-on-8080 90s');
      await inChannel(first, later, laterMark, /Challenge: NGINX/);
      await first.stop();
      // The first deadline passes while the bot is down.
      const db = createPrismaClient(process.env.DATABASE_URL!);
      const overdueRow = await db.challenge.findFirstOrThrow({ where: { channelId: overdue } }).finally(() => db.$disconnect());
      expect(overdueRow.endedAt).toBeNull();
      while (Date.now() <= overdueRow.endsAt.getTime() + 500) await new Promise((r) => setTimeout(r, 200));

      mark = standIn.calls.length;
      second = await startTestBot({ env: { ...env, SANDBOX_INSTANCE: instance }, reuse: standIn });
      const results = await inChannel(second, overdue, mark, /Final results/);
      expect(JSON.stringify(results.args.blocks)).toContain(`<@${l.user}>`);
      const laterResults = await inChannel(second, later, laterMark, /Final results/);
      expect(JSON.stringify(laterResults.args.blocks)).toMatch(/Nobody took part/);
      const rows = await second.bot.db.prisma.challenge.findMany({ where: { channelId: { in: [overdue, later] } }, include: { entries: true } });
      expect(rows.every((r) => r.endedAt !== null && r.endedAt.getTime() <= r.endsAt.getTime())).toBe(true);
      expect(rows.find((r) => r.channelId === overdue)!.entries).toHaveLength(1);
    } finally {
      await second?.stop();
      await standIn.stop();
    }
  });
});
