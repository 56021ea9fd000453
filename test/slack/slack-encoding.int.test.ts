import { decodeSlackText } from '../../src/slack/render/slack-text';
import { encodeLikeSlack } from '../../src/slack/stand-in/encode-like-slack';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * The stand-in escapes like Slack (`&amp;`, `&lt;`, `<http://...>`); the bot decodes once, so a real
 * sandbox's shell gets exactly what the learner typed.
 */
describe('commands typed in Slack reach a real sandbox as typed', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each([
    ['echo hi > f && cat < f && rm f', 'hi'],
    ["echo 'http://localhost:8080/a?b=1&c=2' && echo example.com", 'http://localhost:8080/a?b=1&c=2\nexample.com'],
    ["printf '%s|%s\\n' '<b>&amp;</b>' \"$(echo a 2>&1)\"", '<b>&amp;</b>|a'],
    ['cat <<EOF\nmail ana@example.com, see https://docs.docker.com/get-started/\nEOF', 'mail ana@example.com, see https://docs.docker.com/get-started/'],
  ])('%s', async (command, expected) => {
    expect(encodeLikeSlack(`$ ${command}`)).not.toBe(`$ ${command}`);
    const learner = new LearnerDriver(t, uniqueId('U'));
    const { final } = await learner.run(command);
    expect(String(final.args.text)).toMatch(/: exit 0/);
    // The output block shows the shell's output (escaped for Slack, decoded back here).
    const shown = decodeSlackText(JSON.parse(LearnerDriver.blocksText(final)).find((b: { type: string }) => b.type === 'section').text.text as string);
    expect(shown).toContain(`\`\`\`${expected}\`\`\``);
    const learnerRow = await learner.row();
    const runs = await t.bot.db.prisma.commandRun.findMany({ where: { learnerId: learnerRow.id } });
    expect(runs.map((r) => r.command)).toEqual([command]);
  });
});
