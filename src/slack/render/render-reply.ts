import type { types as SlackTypes } from '@slack/bolt';

type KnownBlock = SlackTypes.KnownBlock;
import { TOKEN_CLOSE, TOKEN_OPEN, type Reply } from '../../tutor';
import { escapeSlackText } from './slack-text';

// Slack's limits (docs/platform-facts.md): section text 3000 chars, 50 blocks, message text cut at 40000.
export const SECTION_MAX = 3000;
export const TEXT_MAX = 3900;
export const MARKDOWN_MAX = 12000;
const MAX_BLOCKS = 50;
const BUTTON_LABEL_MAX = 75;

/**
 * Slack treats <, > and & as control characters in mrkdwn: text is escaped so nothing a learner typed
 * becomes a mention or a link; then the tutor's own tokens (tutor/reply.ts, delimited by characters a
 * learner cannot send) become Slack's mentions and dates. Stray delimiters are dropped.
 */
export function escapeMrkdwn(s: string): string {
  return escapeSlackText(s)
    .replace(new RegExp(`${TOKEN_OPEN}user:([UW][A-Z0-9]+)${TOKEN_CLOSE}`, 'g'), '<@$1>')
    .replace(new RegExp(`${TOKEN_OPEN}channel:([CGD][A-Z0-9]+)${TOKEN_CLOSE}`, 'g'), '<#$1>')
    .replace(new RegExp(`${TOKEN_OPEN}date:(\\d+)${TOKEN_CLOSE}`, 'g'), (_m, epoch: string) => `<!date^${epoch}^{time}|${new Date(Number(epoch) * 1000).toISOString().slice(11, 16)} UTC>`)
    .replace(new RegExp(`[${TOKEN_OPEN}${TOKEN_CLOSE}]`, 'g'), '');
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function renderReply(reply: Reply): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  const sections = reply.sections ?? (reply.markdown || reply.plain ? [] : [reply.text]);
  for (const section of sections) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(section), SECTION_MAX) } });
  }
  // plain_text: Slack reads no formatting, link or mention in it; stray token delimiters go all the same
  for (const p of reply.plain ?? []) blocks.push({ type: 'section', text: { type: 'plain_text', text: clip(p.replace(new RegExp(`[${TOKEN_OPEN}${TOKEN_CLOSE}]`, 'g'), ''), SECTION_MAX) || ' ', emoji: true } });
  if (reply.markdown) blocks.push({ type: 'markdown', text: clip(reply.markdown, MARKDOWN_MAX) } as unknown as KnownBlock);
  if (reply.context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(reply.context), SECTION_MAX) }] });
  if (reply.buttons?.length) {
    // An actions block holds at most 25 elements.
    for (let i = 0; i < reply.buttons.length; i += 25) {
      blocks.push({
        type: 'actions',
        elements: reply.buttons.slice(i, i + 25).map((b) => ({
          type: 'button' as const,
          text: { type: 'plain_text' as const, text: clip(b.label, BUTTON_LABEL_MAX) },
          action_id: b.actionId,
          ...(b.style ? { style: b.style } : {}),
          ...(b.accessibilityLabel ? { accessibility_label: clip(b.accessibilityLabel, 75) } : {}),
          ...(b.value !== undefined ? { value: clip(b.value, 2000) } : {}),
        })),
      });
    }
  }
  return { text: clip(escapeMrkdwn(reply.text), TEXT_MAX), blocks: blocks.slice(0, MAX_BLOCKS) };
}
