import type { types } from '@slack/bolt';
import type { Lesson } from '../../lessons';
import type { LessonSummary } from '../../store';
import { minutes, type AssignedItem, type ClassViewData } from '../../tutor';
import { assignedBlocks, classViewBlocks } from './class-sections';
import { clip, escapeMrkdwn, SECTION_MAX } from './render-reply';

export interface HomeData {
  lessons: Lesson[];
  summaries: LessonSummary[];
  activeLessonId: string | null;
  activeStepId: string | null;
  /** One line per recent challenge the learner took part in. */
  challenges?: string[];
  /** The learner's open assignments, soonest due first. */
  assigned?: AssignedItem[];
  /** Admins only: the live class view. */
  classView?: ClassViewData;
  /** The web playground is served: an "Open playground" button (its link comes in the DM, minted per click). */
  playground?: boolean;
}

const MAX_HOME_BLOCKS = 100;

/** The App Home tab: progress per lesson, the current step, time spent, continue and reset buttons. */
export function renderHome(data: HomeData): types.HomeView {
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Dockhand: learn Docker in your own sandbox' } },
    { type: 'section', text: { type: 'mrkdwn', text: 'Lessons run in our direct message; commands run in a sandbox that is yours alone.' } },
    {
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Show the lessons' }, action_id: 'tutor:lessons', value: 'lessons' },
        { type: 'button', text: { type: 'plain_text', text: 'Reset my sandbox' }, action_id: 'tutor:reset', value: 'reset', style: 'danger' },
        ...(data.playground ? [{ type: 'button' as const, text: { type: 'plain_text' as const, text: 'Open playground' }, action_id: 'tutor:playground', value: 'playground' }] : []),
      ],
    },
    { type: 'divider' },
    ...classViewBlocks(data.classView),
    ...assignedBlocks(data.assigned),
  ];
  const byId = new Map(data.summaries.map((s) => [s.lessonId, s]));
  for (const lesson of data.lessons) {
    const s = byId.get(lesson.id);
    const current = lesson.id === data.activeLessonId;
    const stepTitle = s?.currentStepId ? lesson.steps.find((x) => x.id === s.currentStepId)?.title : undefined;
    const state = s?.completedAt
      ? `:white_check_mark: completed · ${minutes(s.timeSpentMs)}`
      : s
        ? `${current ? ':arrow_forward: current' : ':pause_button: paused'} · ${s.stepsCompleted}/${lesson.steps.length} steps${stepTitle ? ` · at “${stepTitle}”` : ''} · ${minutes(s.timeSpentMs)}`
        : `${lesson.steps.length} steps · about ${lesson.minutes} min`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(lesson.title)}*${lesson.kind === 'exercise' ? ' (exercise)' : ''}\n${escapeMrkdwn(state)}`, SECTION_MAX) },
      accessory: {
        type: 'button',
        text: { type: 'plain_text', text: s?.completedAt ? 'Redo' : s ? 'Continue' : 'Start' },
        action_id: `tutor:start:${lesson.id}`,
        value: lesson.id,
        // one such button per lesson row: a screen reader says which lesson
        accessibility_label: clip(`${s?.completedAt ? 'Redo' : s ? 'Continue' : 'Start'} the lesson ${lesson.title}`, 75),
      },
    });
    if (blocks.length >= MAX_HOME_BLOCKS - 1) break;
  }
  if (data.challenges?.length) {
    blocks.splice(Math.min(blocks.length, MAX_HOME_BLOCKS - 3), 0, { type: 'header', text: { type: 'plain_text', text: 'Your challenges' } }, { type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(data.challenges.join('\n')), SECTION_MAX) } }, { type: 'divider' });
  }
  return { type: 'home', blocks: blocks.slice(0, MAX_HOME_BLOCKS) };
}
