import { execFileSync } from 'node:child_process';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { openLink, TerminalClient } from './playground-client';

jest.setTimeout(600_000);

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', COMMANDS_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await t?.stop();
});

describe('the terminal counts against the learner\'s chat command budget (real bot, real sandbox)', () => {
  it('past the budget a line is not run and the terminal says why; chat commands spend the same budget; a bystander is not affected', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    const since = l.mark;
    await l.say('playground');
    const post = await l.waitForPost(/Your playground: /, since);
    const { cookie } = await openLink(/Your playground: (\S+)/.exec(String(post.args.text))![1]!);
    const base = t.bot.playground!.publicUrl.origin;
    const term = new TerminalClient(base, { cookie, origin: base });
    await term.opened;
    // a bare Enter costs nothing
    term.type('\r\r\r');
    for (const n of [1, 2]) {
      term.type(`echo run-$((${n}*11))\r`);
      await term.waitFor(new RegExp(`run-${n * 11}`));
    }
    // the third of the minute from chat: the same budget
    const { final: chat } = await l.run('echo from-$((2*50))-chat');
    expect(LearnerDriver.blocksText(chat)).toContain('from-100-chat');
    term.type('touch /root/over-budget; echo run-$((4*11))\r');
    await term.waitFor(/Slow down: you are sending commands faster than 3 a minute.*Your line is still there/);
    // the line was never run: the shell's prompt still holds it, and the file is not there
    expect(term.output).not.toMatch(/run-44/);
    const id = t.bot.sandboxes.containerIdOf(`${t.teamId}:${l.user}`)!;
    expect(execFileSync('docker', ['exec', id, 'sh', '-c', 'test -e /root/over-budget && echo there || echo absent']).toString().trim()).toBe('absent');
    const { final } = await bystander.run('echo bystander-$((3*3))');
    expect(LearnerDriver.blocksText(final)).toContain('bystander-9');
    term.close();
  });
});
