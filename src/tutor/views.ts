import type { Lesson, LessonStep } from '../lessons';
import type { LessonSummary } from '../store';
import type { Reply, ReplyButton } from './reply';

export const HELP_TEXT = [
  "*I'm Dockhand: I teach Docker in a private sandbox that is yours alone.*",
  '• `lessons`: the course, from your first `docker run` to publishing images',
  '• `start <lesson>`: begin or continue a lesson; `next`, `hint`, `check`, `solution`, `skip` move you through it',
  '• `$ <command>`: run a shell command in your sandbox (e.g. `$ docker ps`); a message that is only `code` works too',
  '• `progress`: what you have done so far; `reset`: a fresh sandbox; `stop`: pause the lesson',
  '• `playground`: a link to a terminal in your sandbox in the browser (when the operator turned it on)',
  '• `/tutor forget me`: delete everything Dockhand keeps about you (it asks first)',
  '• Admins: `/tutor assign <lesson> @someone|#channel [by DATE]`, `/tutor report [#channel]`, `/tutor class prepare N`, `/tutor challenge start`, `/tutor watch <member ID>` (watch the playground of a learner, read-only, when the operator turned it on)',
  '• `help`: this list',
].join('\n');

export const stepValue = (lessonId: string, stepId: string) => `${lessonId}:${stepId}`;

export function minutes(ms: number): string {
  const m = Math.round(ms / 60000);
  return m < 1 ? 'under a minute' : m === 1 ? '1 minute' : `${m} minutes`;
}

/**
 * Lesson text (step bodies, intros, finish texts, exercise bodies, hints) is written in standard Markdown and goes
 * out one way only: as the reply's `markdown`, which Slack renders as Markdown. A mrkdwn section would show a
 * lesson's `**bold**` with its asterisks.
 */
export function lessonIntro(lesson: Lesson): Reply | undefined {
  return lesson.intro ? { text: lesson.title, sections: [`*${lesson.title}*`], markdown: lesson.intro.trim() } : undefined;
}

/** Hint `n` (1-based, at most the step's last) of a step, with what follows it and any challenge penalty. */
export function hintReply(step: LessonStep, n: number, penalty?: string): Reply {
  const hint = step.hints[Math.min(n, step.hints.length) - 1]!;
  const more = n < step.hints.length ? `Hint ${n} of ${step.hints.length}; ask again for the next.` : 'That was the last hint; `solution` shows the commands.';
  return { text: `Hint: ${hint}`, sections: [':bulb: *Hint*'], markdown: hint, context: penalty ? `${more} ${penalty}` : more };
}
/** A step as a button's accessibility label names it: `step 2, Run nginx` (Slack allows 75 characters). */
export const stepLabel = (step: LessonStep) => `step ${step.index + 1}, ${step.title}`.slice(0, 60);

/** The learner's playground link, said in their DM only; never unfurled (Slack would fetch it and spend it). */
export function playgroundReply(url: string | undefined): Reply {
  if (!url) return { text: 'The web playground is not enabled on this Dockhand (the operator sets `WEB_PORT`).' };
  return {
    text: `Your playground: ${url}`,
    sections: [`:computer: Your playground, a terminal in your own sandbox beside this lesson: ${url}`],
    context: 'The link is yours alone, works once and expires in 10 minutes; ask again with `playground` for a new one.',
    noUnfurl: true,
  };
}

export function stepCard(lesson: Lesson, step: LessonStep, opts: { resumed?: boolean; solutionHidden?: boolean; playground?: boolean } = {}): Reply {
  const value = stepValue(lesson.id, step.id);
  // Every step card repeats these buttons down the DM: a screen reader names the step each one acts on.
  const on = stepLabel(step);
  const buttons: ReplyButton[] = [
    { label: 'Hint', actionId: 'tutor:hint', value, accessibilityLabel: `Hint for ${on}` },
    { label: 'Check', actionId: 'tutor:check', value, style: 'primary', accessibilityLabel: `Check ${on}` },
    ...(opts.solutionHidden ? [] : [{ label: 'Solution', actionId: 'tutor:solution', value, accessibilityLabel: `Solution of ${on}` }]),
    { label: 'Skip', actionId: 'tutor:skip', value, accessibilityLabel: `Skip ${on}` },
    { label: 'Next', actionId: 'tutor:next', value, accessibilityLabel: `Next step after ${on}` },
    ...(opts.playground ? [{ label: 'Open playground', actionId: 'tutor:playground', value, accessibilityLabel: `Open the playground for ${on}` }] : []),
  ];
  const where = `${lesson.title} · step ${step.index + 1} of ${lesson.steps.length}`;
  return {
    text: `${where}: ${step.title}`,
    sections: [`${opts.resumed ? 'Welcome back! ' : ''}*${where}*`],
    markdown: `**${step.title}**\n\n${step.body.trim()}`,
    context: 'Run commands as `$ docker ...`. I check your work after each command.',
    buttons,
  };
}

export function lessonList(lessons: Lesson[], summaries: LessonSummary[]): Reply {
  const byId = new Map(summaries.map((s) => [s.lessonId, s]));
  const lines = lessons.map((l, i) => {
    const s = byId.get(l.id);
    // the time estimate always, and how far the learner got once started
    const state = `${l.minutes} min${s?.completedAt ? ', ✓ done' : s ? `, ${s.stepsCompleted}/${l.steps.length} steps done` : ''}`;
    return `*${i + 1}. ${l.title}* (\`${l.id}\`, ${state})\n${l.summary}`;
  });
  return {
    text: 'The course',
    sections: ['*The course*: pick a lesson, or type `start <number>`.', lines.join('\n\n')],
    buttons: lessons.map((l, i) => ({ label: `${i + 1}. ${l.title}`, actionId: `tutor:start:${l.id}`, value: l.id })),
  };
}

export function progressReply(lessons: Lesson[], summaries: LessonSummary[], activeLessonId: string | null): Reply {
  if (!summaries.length) return { text: 'No lessons started yet. Type `lessons` to pick one.' };
  const lines = summaries.map((s) => {
    const lesson = lessons.find((l) => l.id === s.lessonId);
    const total = lesson?.steps.length ?? s.stepsCompleted;
    const state = s.completedAt ? 'completed' : s.lessonId === activeLessonId ? 'current' : 'paused';
    const step = !s.completedAt && lesson && s.currentStepId ? `, at "${lesson.steps.find((x) => x.id === s.currentStepId)?.title ?? s.currentStepId}"` : '';
    return `• *${lesson?.title ?? s.lessonId}*: ${s.stepsCompleted}/${total} steps, ${state}${step}; ${s.attempts} checks, ${s.hintsUsed} hints, ${minutes(s.timeSpentMs)}`;
  });
  return { text: 'Your progress', sections: ['*Your progress*', lines.join('\n')] };
}

export function lessonSummary(lesson: Lesson, summary: LessonSummary | undefined, next: Lesson | undefined): Reply {
  const stats = summary ? `${summary.stepsCompleted} steps, ${summary.attempts} checks, ${summary.hintsUsed} hints, ${minutes(summary.timeSpentMs)} of work.` : '';
  return {
    text: `You finished ${lesson.title}!`,
    sections: [`:tada: *You finished ${lesson.title}!* ${stats}`],
    ...(lesson.finish ? { markdown: lesson.finish.trim() } : {}),
    buttons: next ? [{ label: `Next: ${next.title}`, actionId: `tutor:start:${next.id}`, value: next.id, style: 'primary' }] : [],
    context: next ? undefined : 'That was the last lesson. Try the exercises with `lessons`, or a channel challenge.',
  };
}
