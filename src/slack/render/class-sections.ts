import type { types } from '@slack/bolt';
import { dueText, type AssignedItem, type ClassViewData, type ClassViewRow } from '../../tutor';
import { clip, escapeMrkdwn, SECTION_MAX } from './render-reply';

/** At most this many assignments on the Home tab (100 blocks in all); the soonest due come first. */
const MAX_ASSIGNED = 10;

/** "Assigned to you": each open assignment with its due date (overdue marked) and a Start or Resume button. */
export function assignedBlocks(items: readonly AssignedItem[] | undefined): types.KnownBlock[] {
  if (!items?.length) return [];
  const blocks: types.KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Assigned to you' } }];
  for (const a of items.slice(0, MAX_ASSIGNED)) {
    const due = a.dueAt ? (a.overdue ? `:warning: *overdue*: was due ${dueText(a.dueAt)}` : `due ${dueText(a.dueAt)}`) : 'no due date';
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(a.title)}*\n${due}`, SECTION_MAX) },
      accessory: { type: 'button', text: { type: 'plain_text', text: a.started ? 'Resume' : 'Start' }, action_id: `tutor:start:${a.lessonId}`, value: a.lessonId, accessibility_label: `${a.started ? 'Resume' : 'Start'} ${a.title}` } as types.Button,
    });
  }
  if (items.length > MAX_ASSIGNED) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${items.length - MAX_ASSIGNED} more` }] });
  blocks.push({ type: 'divider' });
  return blocks;
}

/**
 * "Your class", on an admin's Home: each learner in a lesson and where they are; stuck ones first, each with a
 * "Send a hint" button (the learner's id as its value, checked again on the press).
 */
export function classViewBlocks(data: ClassViewData | undefined): types.KnownBlock[] {
  if (!data) return [];
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Your class, live' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Learners in a lesson in the last hour. Stuck: ${data.stuckAfterMinutes}+ minutes on one step, with a failed check or a hint.` }] },
  ];
  if (!data.rows.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nobody is in a lesson right now.' } });
  const where = (r: ClassViewRow) => `<@${r.userId}> · ${escapeMrkdwn(r.lessonTitle)} · step ${r.stepNumber}/${r.stepCount} “${escapeMrkdwn(r.stepTitle)}”`;
  for (const r of data.rows.filter((x) => x.stuckMinutes !== null)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`:sos: ${where(r)}\nstuck for ${r.stuckMinutes} min`, SECTION_MAX) },
      accessory: { type: 'button', text: { type: 'plain_text', text: 'Send a hint' }, action_id: `class:hint:${r.userId}`, value: r.userId, accessibility_label: `Send a hint to learner ${r.userId}` } as types.Button,
    });
  }
  const moving = data.rows.filter((x) => x.stuckMinutes === null);
  if (moving.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(moving.map(where).join('\n'), SECTION_MAX) } });
  if (data.more) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${data.more} more` }] });
  blocks.push({ type: 'divider' });
  return blocks;
}
