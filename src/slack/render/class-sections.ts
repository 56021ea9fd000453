import type { types } from '@slack/bolt';
import { dueText, type AssignedItem } from '../../tutor';
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
