import type { InProcessBot } from '../../support/fakes/in-process-bot';
import type { TestClock } from './race-helpers';
import { acceptIn, ADMIN, dmFrom, FIXTURE_TEAM, postsIn, settle, slashIn, startRace, textsIn, useRaceBot } from './in-process-race';

const ADA = 'U0ADA';
const GRACE = 'U0GRACE';
const ALAN1 = 'U0ALAN1';
const ALAN2 = 'U0ALAN2';
const dmOf = (user: string) => `D${user.slice(1)}`;

/** Each racer solves `seconds` after the race clock started (their check passes only then). */
async function solveAt(bot: InProcessBot, clock: TestClock, start: number, user: string, seconds: number): Promise<void> {
  clock.set(start + seconds * 1000);
  bot.sandbox.onScript('check-serve', (_s, key) => (key === `${FIXTURE_TEAM}:${user}` ? { exitCode: 0, output: 'OK\n' } : { exitCode: 1, output: 'FAIL: not yet\n' }));
  await dmFrom(bot, user, '$ docker run -d -p 8080:80 nginx');
  await settle(() => textsIn(bot, dmOf(user)).some((t) => /Challenge solved/.test(t)));
}

describe('/tutor challenge disqualify', () => {
  const { bot, clock } = useRaceBot();

  async function race(channel: string) {
    const card = await startRace(bot(), channel);
    const start = clock.now().getTime();
    for (const u of [ADA, GRACE, ALAN1]) await acceptIn(bot(), u, card);
    await solveAt(bot(), clock, start, ADA, 3);
    await solveAt(bot(), clock, start, GRACE, 40);
    await solveAt(bot(), clock, start, ALAN1, 65);
    return card;
  }

  it('after the end: re-ranks, edits the posted results and the final leaderboard in place, and tells the racer', async () => {
    const channel = 'C0DQ1';
    await race(channel);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge end')).toMatch(/has ended/);
    const results = postsIn(bot(), channel).find((c) => /has ended/.test(String(c.args.text)))!;
    const before = JSON.stringify(results.args.blocks);
    expect(before).toContain(`1. <@${ADA}> 0:03, no hints · 1 attempt · :warning: solved in 0:03: review`);
    expect(before).toContain(`2. <@${GRACE}> 0:40`);
    expect(before).toMatch(/For an admin to review/);

    const reply = await slashIn(bot(), ADMIN, channel, 'challenge disqualify @Ada Lovelace');
    expect(reply).toMatch(/is disqualified from the \*NGINX race\* challenge: the final results were re-ranked/);
    const edits = bot().standIn.callsTo('chat.update').filter((c) => c.args.channel === channel);
    const resultsEdit = edits.find((c) => c.args.ts === results.response.ts)!;
    const after = JSON.stringify(resultsEdit.args.blocks);
    expect(after).toContain(`1. <@${GRACE}> 0:40`);
    expect(after).toContain(`2. <@${ALAN1}> 1:05`);
    expect(after).toContain(`~<@${ADA}>~ disqualified by an admin (solved in 0:03)`);
    expect(after).not.toMatch(/For an admin to review/);
    expect(after).toContain(`Congratulations <@${GRACE}>`);
    const board = postsIn(bot(), channel).find((c) => /Leaderboard/.test(String(c.args.text)))!;
    expect(JSON.stringify(edits.filter((c) => c.args.ts === board.response.ts).at(-1)!.args.blocks)).toContain(`1. <@${GRACE}>`);
    expect(textsIn(bot(), dmOf(ADA)).at(-1)).toMatch(/An admin removed your entry from the NGINX race challenge's ranking/);
    expect([...bot().stores.db.entries.values()].find((e) => e.disqualifiedBy)).toMatchObject({ disqualifiedBy: ADMIN });
    expect(await slashIn(bot(), ADMIN, channel, `challenge disqualify <@${ADA}>`)).toMatch(/already disqualified/);
  });

  it('while the race runs: the live leaderboard re-ranks', async () => {
    const channel = 'C0DQ2';
    await race(channel);
    expect(await slashIn(bot(), ADMIN, channel, `challenge disqualify ${ADA}`)).toMatch(/the leaderboard was re-ranked/);
    const board = postsIn(bot(), channel).find((c) => /Leaderboard/.test(String(c.args.text)))!;
    await settle(() => bot().standIn.callsTo('chat.update').some((c) => c.args.ts === board.response.ts && JSON.stringify(c.args.blocks).includes(`~<@${ADA}>~ disqualified`)));
  });

  it('answers non-admins, a missing name, an unknown user, an ambiguous name and a channel without a challenge in plain words', async () => {
    const channel = 'C0DQ3';
    const card = await startRace(bot(), channel);
    for (const u of [ALAN1, ALAN2]) await acceptIn(bot(), u, card);
    expect(await slashIn(bot(), GRACE, channel, 'challenge disqualify @alan')).toMatch(/only Dockhand admins can disqualify/);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge disqualify')).toMatch(/Usage: `\/tutor challenge disqualify @user`/);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge disqualify @grace')).toMatch(/`@grace` did not take part in the \*NGINX race\* challenge/);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge disqualify @alan')).toMatch(new RegExp(`Several participants .* go by \`@alan\`: <@${ALAN1}> .*<@${ALAN2}>.*Use the member ID`));
    expect(await slashIn(bot(), ADMIN, 'C0EMPTY', 'challenge disqualify @alan')).toMatch(/No challenge has run in this channel/);
    expect(await slashIn(bot(), ADMIN, channel, `challenge disqualify @${ALAN2}`)).toMatch(/is disqualified/);
    // Nothing else changed, and no stack trace or error reached Slack.
    expect([...bot().stores.db.entries.values()].filter((e) => e.disqualifiedAt)).toHaveLength(1);
    expect(bot().logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
