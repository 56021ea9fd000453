import { acceptIn, FIXTURE_TEAM, postsIn, settle, startRace, textsIn, useRaceBot, dmFrom } from './in-process-race';

const ADA = 'U0ADA';
const GRACE = 'U0GRACE';
const dmOf = (user: string) => `D${user.slice(1)}`;

describe('accepting a challenge', () => {
  const { bot, clock } = useRaceBot();

  it('pulls the exercise images into the fresh sandbox before the task is shown, and starts the clock only then', async () => {
    const card = await startRace(bot(), 'C0RACE1');
    const t0 = clock.now().getTime();
    // The pull takes 8 s (of the test's clock): it must not count in the racer's time.
    bot().sandbox.onScript(/docker pull/, () => {
      clock.advance(8000);
      return { exitCode: 0 };
    });
    await acceptIn(bot(), ADA, card);
    const key = `${FIXTURE_TEAM}:${ADA}`;
    const ops = bot().sandbox.calls.filter((c) => 'learnerKey' in c && c.learnerKey === key).map((c) => (c.op === 'execScript' ? `execScript ${c.script}` : c.op));
    expect(ops).toEqual(['reset', "execScript set -e\ndocker pull -q 'nginx:latest' >/dev/null"]);
    expect(textsIn(bot(), dmOf(ADA))).toEqual(['You joined the NGINX race challenge!', 'NGINX race · step 1 of 1: Serve']);
    expect(JSON.stringify(postsIn(bot(), dmOf(ADA))[0]!.args.blocks)).toContain('`nginx:latest` already pulled');
    const [entry] = [...bot().stores.db.entries.values()];
    expect(entry!.acceptedAt.getTime()).toBe(t0);
    expect(entry!.readyAt!.getTime()).toBe(t0 + 8000);

    // Solved 30 s after the task appeared: 0:30, not 0:38.
    clock.advance(30_000);
    bot().sandbox.passCheck('check-serve', 'nginx answers on port 8080.');
    await dmFrom(bot(), ADA, '$ docker run -d -p 8080:80 nginx');
    await settle(() => textsIn(bot(), dmOf(ADA)).some((t) => /Challenge solved/.test(t)));
    expect(textsIn(bot(), dmOf(ADA)).find((t) => /Challenge solved/.test(t))).toBe(':trophy: Challenge solved in 0:30: you are number 1 so far.');
  });

  it("a racer's messages wait until the task is shown: nothing can be prepared (or the pull stalled) before the clock starts", async () => {
    const card = await startRace(bot(), 'C0RACE4');
    let release!: () => void;
    const pulled = new Promise<void>((r) => (release = r));
    bot().sandbox.onScript(/docker pull/, async () => {
      await pulled;
      return { exitCode: 0 };
    });
    const accepting = acceptIn(bot(), ADA, card);
    const typing = dmFrom(bot(), ADA, '$ docker run -d -p 8080:80 nginx');
    await settle(() => bot().sandbox.callsOf('execScript').length === 1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(bot().sandbox.callsOf('run')).toEqual([]);
    release();
    await Promise.all([accepting, typing]);
    await settle(() => bot().sandbox.callsOf('run').length === 1);
    const ops = bot().sandbox.calls.map((c) => c.op);
    expect(ops.indexOf('execScript')).toBeLessThan(ops.indexOf('run'));
    expect(textsIn(bot(), dmOf(ADA)).slice(0, 2)).toEqual(['You joined the NGINX race challenge!', 'NGINX race · step 1 of 1: Serve']);
  });

  it('still shows the task when the pull fails (the first `docker run` will pull), and logs why', async () => {
    const card = await startRace(bot(), 'C0RACE2');
    bot().sandbox.onScript(/docker pull/, { exitCode: 1, output: 'Error response from daemon: mirror unreachable\n' });
    await acceptIn(bot(), ADA, card);
    expect(textsIn(bot(), dmOf(ADA))).toEqual(['You joined the NGINX race challenge!', 'NGINX race · step 1 of 1: Serve']);
    expect(bot().logs.find((l) => l.msg === 'pre-pulling the exercise images failed')).toMatchObject({ detail: 'Error response from daemon: mirror unreachable' });
    expect([...bot().stores.db.entries.values()][0]!.readyAt).not.toBeNull();
  });

  it('a sandbox that cannot be prepared: the racer is told, no time runs, and Accept again retries', async () => {
    const card = await startRace(bot(), 'C0RACE3');
    bot().sandbox.onScript(/docker pull/, new Error('no room for a sandbox'), { times: 1 });
    await acceptIn(bot(), GRACE, card);
    expect(textsIn(bot(), dmOf(GRACE))).toEqual(['You joined the NGINX race challenge!', expect.stringMatching(/could not prepare your sandbox.*Your time has not started: press \*Accept\*/)]);
    expect([...bot().stores.db.entries.values()][0]!.readyAt).toBeNull();
    await acceptIn(bot(), GRACE, card);
    expect(textsIn(bot(), dmOf(GRACE)).at(-1)).toBe('NGINX race · step 1 of 1: Serve');
    expect([...bot().stores.db.entries.values()][0]!.readyAt).not.toBeNull();
    // Once ready, another press changes nothing.
    await acceptIn(bot(), GRACE, card);
    expect(bot().standIn.callsTo('chat.postEphemeral').map((c) => String(c.args.text))).toEqual([expect.stringMatching(/already in this challenge/)]);
    expect(bot().sandbox.callsOf('reset')).toHaveLength(2);
  });
});
