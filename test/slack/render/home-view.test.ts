import type { Lesson, LessonStep } from '../../../src/lessons/types';
import { renderHome } from '../../../src/slack/render/home-view';
import type { LessonSummary } from '../../../src/store/types';

const step = (id: string, index: number): LessonStep => ({ id, index, title: `Step ${id}`, body: '', hints: [], solution: [], check: 'true', checkTimeoutMs: 1000, solutionTimeoutMs: 1000 }) as unknown as LessonStep;
const lesson = (id: string, title: string, steps = 3, kind: 'lesson' | 'exercise' = 'lesson'): Lesson =>
  ({ id, kind, title, summary: '', level: 'beginner', minutes: 7, images: [], prerequisites: [], dir: '', manifestPath: '', steps: Array.from({ length: steps }, (_, i) => step(`s${i + 1}`, i)) }) as Lesson;
const summary = (lessonId: string, over: Partial<LessonSummary> = {}): LessonSummary => ({ lessonId, currentStepId: 's2', startedAt: new Date(0), completedAt: null, stepsCompleted: 1, attempts: 2, hintsUsed: 0, timeSpentMs: 5 * 60_000, ...over });

type AnyBlock = { type: string; text?: { text: string }; accessory?: { text: { text: string }; action_id: string; value: string } };
const lessonBlock = (view: { blocks: unknown[] }, title: string) => (view.blocks as AnyBlock[]).find((b) => b.type === 'section' && b.text?.text.startsWith(`*${title}*`))!;

describe('renderHome', () => {
  const lessons = [lesson('a', 'Alpha'), lesson('b', 'Beta'), lesson('c', 'Gamma'), lesson('x', 'Xercise', 1, 'exercise')];

  it('shows each lesson with its state and the button that fits it', () => {
    const view = renderHome({
      lessons,
      summaries: [summary('a', { completedAt: new Date(1), currentStepId: null, stepsCompleted: 3, timeSpentMs: 12 * 60_000 }), summary('b'), summary('c', { currentStepId: 's1', stepsCompleted: 0, timeSpentMs: 20_000 })],
      activeLessonId: 'b',
      activeStepId: 's2',
    });
    expect(view.type).toBe('home');
    const a = lessonBlock(view, 'Alpha');
    expect(a.text!.text).toBe('*Alpha*\n:white_check_mark: completed · 12 minutes');
    expect(a.accessory).toMatchObject({ text: { text: 'Redo' }, action_id: 'tutor:start:a', value: 'a' });
    expect(lessonBlock(view, 'Beta').text!.text).toBe('*Beta*\n:arrow_forward: current · 1/3 steps · at “Step s2” · 5 minutes');
    expect(lessonBlock(view, 'Beta').accessory!.text.text).toBe('Continue');
    expect(lessonBlock(view, 'Gamma').text!.text).toBe('*Gamma*\n:pause_button: paused · 0/3 steps · at “Step s1” · under a minute');
    const x = lessonBlock(view, 'Xercise');
    expect(x.text!.text).toBe('*Xercise* (exercise)\n1 steps · about 7 min');
    expect(x.accessory!.text.text).toBe('Start');
  });

  it('always offers the lesson list and a sandbox reset at the top', () => {
    const view = renderHome({ lessons: [], summaries: [], activeLessonId: null, activeStepId: null });
    const ids = JSON.stringify(view.blocks.slice(0, 4));
    expect(ids).toContain('"action_id":"tutor:lessons"');
    expect(ids).toContain('"action_id":"tutor:reset"');
  });

  it('adds a challenges section after the lessons when the learner took part in some', () => {
    const view = renderHome({ lessons: lessons.slice(0, 1), summaries: [], activeLessonId: null, activeStepId: null, challenges: ['• NGINX (<#C1>): number 1, 1:05', '• Other: not solved'] });
    const types = (view.blocks as AnyBlock[]).map((b) => b.type);
    const header = types.lastIndexOf('header');
    expect(header).toBeGreaterThan(types.indexOf('section'));
    expect((view.blocks[header + 1] as AnyBlock).text!.text).toBe('• NGINX (&lt;#C1&gt;): number 1, 1:05\n• Other: not solved');
    expect(JSON.stringify(renderHome({ lessons, summaries: [], activeLessonId: null, activeStepId: null }).blocks)).not.toContain('Your challenges');
  });

  it('keeps the challenges section even when the lessons fill the view', () => {
    const many = Array.from({ length: 200 }, (_, i) => lesson(`l${i}`, `Lesson ${i}`));
    const view = renderHome({ lessons: many, summaries: [], activeLessonId: null, activeStepId: null, challenges: ['• one'] });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view.blocks)).toContain('Your challenges');
  });

  it('escapes lesson titles', () => {
    const view = renderHome({ lessons: [lesson('e', 'Tags & <digests>')], summaries: [], activeLessonId: null, activeStepId: null });
    expect(JSON.stringify(view.blocks)).toContain('*Tags &amp; &lt;digests&gt;*');
  });
});
