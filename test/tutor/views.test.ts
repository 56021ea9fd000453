import type { LessonSummary } from '../../src/store/types';
import { HELP_TEXT, lessonList, lessonSummary, minutes, progressReply, stepCard, stepValue } from '../../src/tutor/views';
import { makeLesson } from '../support/fakes/lessons';

const summary = (lessonId: string, over: Partial<LessonSummary> = {}): LessonSummary => ({ lessonId, currentStepId: null, startedAt: new Date(0), completedAt: null, stepsCompleted: 0, attempts: 0, hintsUsed: 0, timeSpentMs: 0, ...over });

describe('minutes', () => {
  it.each([
    [0, 'under a minute'],
    [29_999, 'under a minute'],
    [30_000, '1 minute'],
    [89_999, '1 minute'],
    [90_000, '2 minutes'],
    [45 * 60_000, '45 minutes'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(minutes(ms)).toBe(text);
  });
});

describe('stepCard', () => {
  const lesson = makeLesson('basics', { title: 'Basics', steps: [{ id: 'one', title: 'Run it', body: '  Run `docker run hello-world`.\n' }, { id: 'two' }, { id: 'three' }] });

  it('says where the learner is, shows the step body, and binds every button to this step', () => {
    const card = stepCard(lesson, lesson.steps[0]!);
    expect(card.text).toBe('Basics · step 1 of 3: Run it');
    expect(card.sections).toEqual(['*Basics · step 1 of 3*']);
    expect(card.markdown).toBe('**Run it**\n\nRun `docker run hello-world`.');
    expect(card.buttons!.map((b) => b.actionId)).toEqual(['tutor:hint', 'tutor:check', 'tutor:solution', 'tutor:skip', 'tutor:next']);
    expect(new Set(card.buttons!.map((b) => b.value))).toEqual(new Set([stepValue('basics', 'one')]));
    expect(card.buttons!.find((b) => b.actionId === 'tutor:check')!.style).toBe('primary');
  });

  it('welcomes a learner back on a resumed step, and hides the Solution button during a challenge', () => {
    const card = stepCard(lesson, lesson.steps[1]!, { resumed: true, solutionHidden: true });
    expect(card.sections![0]).toBe('Welcome back! *Basics · step 2 of 3*');
    expect(card.buttons!.map((b) => b.actionId)).not.toContain('tutor:solution');
  });
});

describe('lessonList', () => {
  it('numbers the lessons, with each one\'s state, and offers one start button per lesson', () => {
    const lessons = [makeLesson('a', { title: 'Alpha', steps: 4, minutes: 15 }), makeLesson('b', { title: 'Beta', steps: 3 }), makeLesson('c', { title: 'Gamma' })];
    const reply = lessonList(lessons, [summary('a', { completedAt: new Date(1) }), summary('b', { stepsCompleted: 2 })]);
    const text = reply.sections![1]!;
    expect(text).toContain('*1. Alpha* (`a`, 15 min, ✓ done)');
    expect(text).toContain('*2. Beta* (`b`, 10 min, 2/3 steps done)');
    expect(text).toContain('*3. Gamma* (`c`, 10 min)\nWhat c teaches.');
    expect(reply.buttons!.map((b) => [b.label, b.actionId, b.value])).toEqual([
      ['1. Alpha', 'tutor:start:a', 'a'],
      ['2. Beta', 'tutor:start:b', 'b'],
      ['3. Gamma', 'tutor:start:c', 'c'],
    ]);
  });
});

describe('progressReply', () => {
  const lessons = [makeLesson('a', { title: 'Alpha', steps: [{ id: 'a1', title: 'First' }, { id: 'a2', title: 'Second' }] }), makeLesson('b', { title: 'Beta' })];

  it('invites a learner with no progress to pick a lesson', () => {
    expect(progressReply(lessons, [], null).text).toMatch(/No lessons started yet/);
  });

  it('shows steps, state, current step, checks, hints and time per lesson', () => {
    const reply = progressReply(
      lessons,
      [summary('a', { currentStepId: 'a2', stepsCompleted: 1, attempts: 3, hintsUsed: 1, timeSpentMs: 4 * 60_000 }), summary('b', { completedAt: new Date(5), stepsCompleted: 2, timeSpentMs: 60_000 }), summary('gone', { stepsCompleted: 1 })],
      'a',
    );
    const lines = reply.sections![1]!.split('\n');
    expect(lines).toEqual([
      '• *Alpha*: 1/2 steps, current, at "Second"; 3 checks, 1 hints, 4 minutes',
      '• *Beta*: 2/2 steps, completed; 0 checks, 0 hints, 1 minute',
      // A lesson no longer in the catalog is still listed, by id.
      '• *gone*: 1/1 steps, paused; 0 checks, 0 hints, under a minute',
    ]);
  });
});

describe('lessonSummary', () => {
  const lesson = makeLesson('a', { title: 'Alpha', finish: '  Well done.\n' });

  it('congratulates with the numbers, shows the finish text and offers the next lesson', () => {
    const next = makeLesson('b', { title: 'Beta' });
    const reply = lessonSummary(lesson, summary('a', { stepsCompleted: 2, attempts: 5, hintsUsed: 2, timeSpentMs: 10 * 60_000 }), next);
    expect(reply.text).toBe('You finished Alpha!');
    expect(reply.sections).toEqual([':tada: *You finished Alpha!* 2 steps, 5 checks, 2 hints, 10 minutes of work.']);
    // lesson text is Markdown, sent as markdown like a step body (a mrkdwn section would show **bold** literally)
    expect(reply.markdown).toBe('Well done.');
    expect(reply.buttons).toEqual([{ label: 'Next: Beta', actionId: 'tutor:start:b', value: 'b', style: 'primary' }]);
    expect(reply.context).toBeUndefined();
  });

  it('says so after the last lesson, and offers no button', () => {
    const reply = lessonSummary(makeLesson('z'), undefined, undefined);
    expect(reply.buttons).toEqual([]);
    expect(reply.context).toMatch(/last lesson/);
    expect(reply.sections).toEqual([':tada: *You finished Lesson z!* ']);
  });
});

describe('HELP_TEXT', () => {
  it('names every word the tutor understands', () => {
    for (const word of ['lessons', 'start', 'next', 'hint', 'check', 'solution', 'skip', 'progress', 'reset', 'stop', 'help']) expect(HELP_TEXT).toContain(`\`${word}`);
  });
});
