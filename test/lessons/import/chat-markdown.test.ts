import * as path from 'node:path';
import { CHAT_MARKDOWN_MAX, toChatMarkdown } from '../../../src/lessons/import/chat-markdown';
import { importScenario } from '../../../src/lessons/import/import-scenario';
import type { ImportNote } from '../../../src/lessons/import/import-types';

const FIX = path.join(__dirname, '../../fixtures');

describe('scenario text made chat-ready (Slack markdown block: Markdown, no HTML)', () => {
  test('HTML becomes Markdown, placeholders point at curl, pictures get a fallback, dropdowns are sorted out, code is untouched', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/chat-text'));
    expect(l.files.get('steps/01-reach-the-app.md')).toBe(
      [
        '**Reach the app**',
        '',
        'Read [the networking docs](https://docs.docker.com/engine/network/), the **bridge** part.',
        '',
        'Your app answers at ACCESS PORT 8080 (in your sandbox: `curl localhost:8080`) and at localhost:80 too.',
        '',
        '_(picture: network diagram)_',
        '',
        '[image: Docker logo](https://www.docker.com/logo.png)',
        '',
        'Use <none> as a name & go on. The selector {{TRAFFIC_SELECTOR}} is not needed.',
        '',
        'Show the names with a Go template:',
        '',
        '```',
        "docker ps --format '{{.Names}}'",
        '```',
        '',
        '**Info**',
        '',
        'Bridges are per host.',
        '',
      ].join('\n'),
    );
    expect(l.files.get('intro.md')).toBe('Welcome to _the_ **network** scenario.\n');
    expect((l.manifest.steps as Record<string, unknown>[])[0]!.hints).toEqual(['Use `docker ps` and look at the **NAMES** column.']);
    expect(l.notes.filter((n) => n.severity === 'todo').map((n) => n.message)).toEqual([
      'placeholder with no meaning in a sandbox, kept as text: {{TRAFFIC_SELECTOR}}',
      'image ./assets/diagram.png is a scenario file the chat cannot show; replaced by its description',
    ]);
  });

  test('the Solution dropdown leaves the body (it is the solution, shown on request), also when it is never closed', () => {
    const notes: ImportNote[] = [];
    const md = 'Do the thing.\n\n<details><summary>Solution</summary>\n\n```plain\nsecret-command\n```{{exec}}\n';
    const chat = toChatMarkdown(md, 'step', notes);
    expect(chat.text).toBe('Do the thing.\n');
    expect(notes).toEqual([{ severity: 'info', where: 'step', message: 'the "Solution" section was removed from the text (it is the step\'s solution, shown on request)' }]);
  });

  test('a tip becomes one hint line: HTML in its prose is converted, a <placeholder> in its code is kept', () => {
    const md = 'Task.\n\n<details><summary>Tip</summary>\n<br>\n\n```plain\nUse docker inspect <image-name> to see its CMD.\n```\n\nOr <b>ask</b>.\n</details>\n';
    expect(toChatMarkdown(md, 'step', []).hints).toEqual(['Use docker inspect <image-name> to see its CMD. Or **ask**.']);
  });

  test('a "### Solution" section is removed up to the next heading of the same level', () => {
    const chat = toChatMarkdown('Task.\n\n### Solution\n\n`touch x`{{exec}}\n\n### Next\n\nMore.', 'step', []);
    expect(chat.text).toBe('Task.\n\n### Next\n\nMore.\n');
  });

  test('Katacoda editor blocks are shown as heredocs; run markers disappear; too long a text is a TODO', () => {
    const notes: ImportNote[] = [];
    const chat = toChatMarkdown('<pre class="file" data-filename="app.conf" data-target="append">a = &lt;1&gt;\n</pre>\n\n`ls`{{execute T2}}', 's', notes);
    expect(chat.text).toBe("```\ncat >> app.conf <<'EOF'\na = <1>\nEOF\n```\n\n`ls`\n");
    toChatMarkdown('x'.repeat(CHAT_MARKDOWN_MAX + 1), 'long', notes);
    expect(notes.at(-1)).toEqual({ severity: 'todo', where: 'long', message: `the text is ${CHAT_MARKDOWN_MAX + 1} characters; Slack shows at most ${CHAT_MARKDOWN_MAX} in one message: shorten or split the step` });
  });
});
