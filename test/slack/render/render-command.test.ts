import { CTRL_C_AFTER_MS, INLINE_OUTPUT_MAX, renderFinal, renderRunning } from '../../../src/slack/render/render-command';
import type { CommandOutcome } from '../../../src/tutor/reply';

const outcome = (o: Partial<CommandOutcome>): CommandOutcome => ({ command: 'docker ps', output: '', exitCode: 0, durationMs: 1234, truncated: false, timedOut: false, interrupted: false, waitingForInput: false, notices: [], ...o });
type AnyBlock = { type: string; text?: { text: string }; elements?: { text?: string | { text: string }; action_id?: string }[] };
const section = (blocks: unknown[]) => (blocks[0] as AnyBlock).text!.text;
const contextText = (blocks: unknown[]) => ((blocks as AnyBlock[]).find((b) => b.type === 'context')!.elements![0]!.text as string);

describe('renderRunning', () => {
  it('shows the command, the screen so far in a code block and the whole seconds it has run', () => {
    const r = renderRunning('sleep 9', 'tick\ntock\n\n', 2999);
    expect(r.text).toBe('$ sleep 9 (running)');
    expect(section(r.blocks)).toBe('`$ sleep 9`\n```tick\ntock```');
    expect(contextText(r.blocks)).toBe('running… 2 s');
  });

  it('shows just the command while there is no output yet', () => {
    expect(section(renderRunning('make', '   ', 100).blocks)).toBe('`$ make`');
  });

  it('offers Ctrl-C from CTRL_C_AFTER_MS on, not before', () => {
    const ids = (ms: number) => JSON.stringify(renderRunning('x', '', ms).blocks).includes('tutor:ctrl-c');
    expect(ids(CTRL_C_AFTER_MS - 1)).toBe(false);
    expect(ids(CTRL_C_AFTER_MS)).toBe(true);
  });

  it('keeps backticks in the command from closing its inline code, and clips a huge command', () => {
    const r = renderRunning('echo `date`', '', 0);
    expect(section(r.blocks)).toBe("`$ echo 'date'`");
    const long = renderRunning(`echo ${'y'.repeat(1000)}`, '', 0);
    expect(section(long.blocks).length).toBeLessThan(320);
    expect(long.text.length).toBeLessThanOrEqual(2 + 200 + ' (running)'.length);
  });
});

describe('renderFinal', () => {
  it('states the exit code and duration: one decimal under 10 s, whole seconds above', () => {
    expect(renderFinal(outcome({ exitCode: 0, durationMs: 1234 })).text).toBe('$ docker ps: exit 0 · 1.2 s');
    expect(renderFinal(outcome({ exitCode: 2, durationMs: 12_600 })).text).toBe('$ docker ps: exit 2 · 13 s');
    expect(renderFinal(outcome({ exitCode: null })).text).toBe('$ docker ps: exit ? · 1.2 s');
  });

  it('lists the sandbox notices, then the notes about cut output, after the status', () => {
    const r = renderFinal(outcome({ output: 'x', truncated: true, notices: ['Your sandbox was restarted.'] }));
    expect(contextText(r.blocks)).toBe('exit 0 · 1.2 s · Your sandbox was restarted. · Only the end of the output was kept.');
    expect(r.cut).toBe(false);
  });

  it('keeps the tail of long output inline, starting at a whole line, and says the rest is in the thread', () => {
    const output = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const r = renderFinal(outcome({ output }));
    expect(r.cut).toBe(true);
    const body = section(r.blocks);
    expect(body).toMatch(/^`\$ docker ps`\n```…line \d+\n/);
    expect(body.endsWith('line 1999```')).toBe(true);
    expect(body.length).toBeLessThanOrEqual(INLINE_OUTPUT_MAX + 100);
    expect(contextText(r.blocks)).toContain('The full output is attached in the thread.');
  });

  it('offers Ctrl-C only on a command that waits for input', () => {
    expect(JSON.stringify(renderFinal(outcome({ waitingForInput: true, exitCode: null })).blocks)).toContain('tutor:ctrl-c');
    expect(JSON.stringify(renderFinal(outcome({ interrupted: true, exitCode: null })).blocks)).not.toContain('tutor:ctrl-c');
  });

  it('prefers "waiting for input" over a timeout or interruption in the status', () => {
    expect(renderFinal(outcome({ waitingForInput: true, timedOut: true, interrupted: true })).text).toMatch(/waiting for input/);
    expect(renderFinal(outcome({ timedOut: true, interrupted: true })).text).toMatch(/stopped: it ran longer than the time limit \(1\.2 s\)$/);
  });

  it('escapes output that would otherwise mention people', () => {
    expect(section(renderFinal(outcome({ output: '<!here> & <@U1>' })).blocks)).toContain('&lt;!here&gt; &amp; &lt;@U1&gt;');
  });
});

describe('learner text in command messages', () => {
  it('escapes the plain-text fallback, so `<!here>` or `&` in a command notifies nobody and shows as typed', () => {
    expect(renderFinal(outcome({ command: 'echo "<!here>" && echo a&b' })).text).toBe('$ echo "&lt;!here&gt;" &amp;&amp; echo a&amp;b: exit 0 · 1.2 s');
    expect(renderRunning('echo <@U1>', '', 0).text).toBe('$ echo &lt;@U1&gt; (running)');
  });

  it('never turns mention-like text in a command or its output into a mention', () => {
    const typed = '{{user:U123ABC}} {{channel:C0GENERAL}} \uE100user:U9\uE101';
    const r = renderFinal(outcome({ command: `echo ${typed}`, output: `${typed}\n` }));
    const all = JSON.stringify(r);
    expect(all).not.toMatch(/<@|<#|<!/);
    expect(section(r.blocks)).toContain('{{user:U123ABC}} {{channel:C0GENERAL}}');
  });
});
