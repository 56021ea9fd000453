import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { TEAM_SUBCOMMANDS } from '../../src/slack/listeners/slash-command';
import { HELP_TEXT } from '../../src/tutor/views';

const ROOT = path.join(__dirname, '..', '..');
const usageHint = (f: string) => (parse(readFileSync(path.join(ROOT, f), 'utf8')) as { features: { slash_commands: { usage_hint: string }[] } }).features.slash_commands[0]!.usage_hint;

/** What Slack shows as you type `/tutor` and what `help` answers list every team word the command handles. */
describe('/tutor subcommand listings', () => {
  const words = TEAM_SUBCOMMANDS;

  it('the help text names each team subcommand as `/tutor <word>`', () => {
    expect(words).toContain('watch');
    for (const w of words) expect(HELP_TEXT).toContain(`\`/tutor ${w}`);
  });

  it("both manifests' usage hints name each team subcommand", () => {
    for (const f of ['slack-app-manifest.yaml', 'slack-app-manifest.http.yaml']) {
      const hint = usageHint(f).split('|').map((s) => s.trim().split(' ')[0]);
      for (const w of words) expect({ f, hint: hint.includes(w) ? w : undefined }).toEqual({ f, hint: w });
    }
  });
});
