import type { types } from '@slack/bolt';
import type { CommandOutcome } from '../../tutor';
import { clip, SECTION_MAX } from './render-reply';
import { escapeSlackText } from './slack-text';

/** What fits in one section next to the fences and the command line. */
export const INLINE_OUTPUT_MAX = SECTION_MAX - 200;
export const CTRL_C_AFTER_MS = 3000;

type Block = types.KnownBlock;

// A fence inside the output would close Slack's code block early.
const fenceSafe = (s: string) => s.replace(/```/g, '`\u200b`\u200b`');

function tail(output: string, max: number): { text: string; cut: boolean } {
  const trimmed = output.replace(/\s+$/, '');
  if (trimmed.length <= max) return { text: trimmed, cut: false };
  const cut = trimmed.slice(trimmed.length - max);
  return { text: `…${cut.slice(cut.indexOf('\n') + 1 || 0)}`, cut: true };
}

function outputBlocks(command: string, output: string): { blocks: Block[]; cut: boolean } {
  const shown = tail(output, INLINE_OUTPUT_MAX);
  const body = shown.text ? `\n\`\`\`${fenceSafe(escapeSlackText(shown.text))}\`\`\`` : '';
  return {
    cut: shown.cut,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(`\`$ ${escapeSlackText(clip(command, 300)).replace(/`/g, "'")}\`${body}`, SECTION_MAX) } }],
  };
}

const ctrlC = (): Block => ({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Ctrl-C' }, action_id: 'tutor:ctrl-c', value: 'ctrl-c', style: 'danger' }] });

export function renderRunning(command: string, screen: string, elapsedMs: number): { text: string; blocks: Block[] } {
  const { blocks } = outputBlocks(command, screen);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `running… ${Math.floor(elapsedMs / 1000)} s` }] });
  if (elapsedMs >= CTRL_C_AFTER_MS) blocks.push(ctrlC());
  // The plain-text fallback is mrkdwn to Slack too: escaped, so a typed `<!here>` notifies nobody.
  return { text: `$ ${escapeSlackText(clip(command, 200))} (running)`, blocks };
}

function statusLine(o: CommandOutcome): string {
  const secs = `${(o.durationMs / 1000).toFixed(o.durationMs < 10000 ? 1 : 0)} s`;
  if (o.waitingForInput) return `waiting for input: your next message is typed into it (Ctrl-C stops it) · ${secs}`;
  if (o.timedOut) return `stopped: it ran longer than the time limit (${secs})`;
  if (o.interrupted) return `interrupted · ${secs}`;
  return `exit ${o.exitCode ?? '?'} · ${secs}`;
}

export function renderFinal(o: CommandOutcome): { text: string; blocks: Block[]; cut: boolean } {
  const { blocks, cut } = outputBlocks(o.command, o.output);
  const notes = [...o.notices, ...(o.truncated ? ['Only the end of the output was kept.'] : []), ...(cut ? ['The full output is attached in the thread.'] : [])];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeSlackText([statusLine(o), ...notes].join(' · ')), SECTION_MAX) }] });
  if (o.waitingForInput) blocks.push(ctrlC());
  const text = `$ ${escapeSlackText(clip(o.command, 200))}: ${statusLine(o)}`;
  return { text, blocks, cut };
}
