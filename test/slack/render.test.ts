import { renderFinal, renderRunning, INLINE_OUTPUT_MAX } from '../../src/slack/render/render-command';
import { renderReply, SECTION_MAX } from '../../src/slack/render/render-reply';
import { renderHome } from '../../src/slack/render/home-view';
import type { CommandOutcome } from '../../src/tutor/reply';
import type { Lesson } from '../../src/lessons/types';

const outcome = (o: Partial<CommandOutcome>): CommandOutcome => ({ command: 'x', output: '', exitCode: 0, durationMs: 1200, truncated: false, timedOut: false, interrupted: false, waitingForInput: false, notices: [], ...o });

function sectionTexts(blocks: unknown[]): string[] {
  return (blocks as { type: string; text?: { text: string }; elements?: { text?: string }[] }[]).flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : ''))]);
}

describe('Slack rendering stays within Slack limits', () => {
  it('keeps only the tail of a megabyte of output inline, under 3000 characters per section', () => {
    const output = Array.from({ length: 100000 }, (_, i) => `line ${i}`).join('\n');
    const r = renderFinal(outcome({ output }));
    expect(r.cut).toBe(true);
    for (const t of sectionTexts(r.blocks)) expect(t.length).toBeLessThanOrEqual(SECTION_MAX);
    expect(r.blocks[0]!.type).toBe('section');
    expect(JSON.stringify(r.blocks)).toContain('line 99999');
    expect(JSON.stringify(r.blocks)).not.toContain('line 1\\n');
    expect(r.text.length).toBeLessThan(400);
    expect(INLINE_OUTPUT_MAX).toBeLessThan(SECTION_MAX);
  });

  it('cannot be broken out of its code block or turned into mentions by output', () => {
    const r = renderFinal(outcome({ output: '```\n<!channel> & <@U123>' }));
    const text = sectionTexts(r.blocks)[0]!;
    expect(text.match(/```/g)).toHaveLength(2);
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  it('states how a command ended: exit code, time limit, interruption, waiting for input', () => {
    expect(renderFinal(outcome({ exitCode: 3 })).text).toMatch(/exit 3 · 1\.2 s/);
    expect(renderFinal(outcome({ timedOut: true, exitCode: null })).text).toMatch(/time limit/);
    expect(renderFinal(outcome({ interrupted: true, exitCode: null })).text).toMatch(/interrupted/);
    const waiting = renderFinal(outcome({ waitingForInput: true, exitCode: null }));
    expect(waiting.text).toMatch(/waiting for input/);
    expect(JSON.stringify(waiting.blocks)).toContain('tutor:ctrl-c');
    expect(JSON.stringify(renderFinal(outcome({ notices: ['Your sandbox ran out of disk space.'] })).blocks)).toContain('ran out of disk space');
  });

  it('offers Ctrl-C only once a command has run for a few seconds', () => {
    expect(JSON.stringify(renderRunning('sleep 9', '', 500).blocks)).not.toContain('tutor:ctrl-c');
    expect(JSON.stringify(renderRunning('sleep 9', '', 3500).blocks)).toContain('tutor:ctrl-c');
  });

  it('clips replies to 50 blocks, 3000-character sections and short fallback text', () => {
    const r = renderReply({ text: 'x'.repeat(50000), sections: Array.from({ length: 80 }, () => 'y'.repeat(5000)), buttons: Array.from({ length: 30 }, (_, i) => ({ label: 'z'.repeat(100), actionId: `a${i}` })) });
    expect(r.blocks.length).toBeLessThanOrEqual(50);
    expect(r.text.length).toBeLessThanOrEqual(4000);
    for (const t of sectionTexts(r.blocks)) expect(t.length).toBeLessThanOrEqual(SECTION_MAX);
  });

  it('keeps the App Home under 100 blocks however many lessons exist', () => {
    const lesson = (i: number): Lesson => ({ id: `l${i}`, kind: 'lesson', title: `Lesson ${i}`, summary: '', level: 'beginner', minutes: 5, images: [], prerequisites: [], dir: '', manifestPath: '', steps: [] });
    const view = renderHome({ lessons: Array.from({ length: 300 }, (_, i) => lesson(i)), summaries: [], activeLessonId: null, activeStepId: null });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });
});
