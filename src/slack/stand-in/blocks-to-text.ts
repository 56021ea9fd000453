export interface TextButton {
  label: string;
  actionId: string;
  value?: string;
  blockId?: string;
}

interface Block {
  type: string;
  block_id?: string;
  text?: { text?: string } | string;
  elements?: { type: string; text?: { text?: string } | string; action_id?: string; value?: string }[];
  fields?: { text?: string }[];
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const textOf = (t: Block['text']) => unescape(typeof t === 'string' ? t : (t?.text ?? ''));

/** Renders a message's blocks as terminal text; buttons come back separately so they can be picked by number. */
export function blocksToText(blocks: unknown, fallback: string): { text: string; buttons: TextButton[] } {
  if (!Array.isArray(blocks) || blocks.length === 0) return { text: unescape(fallback), buttons: [] };
  const lines: string[] = [];
  const buttons: TextButton[] = [];
  for (const b of blocks as Block[]) {
    switch (b.type) {
      case 'header':
        lines.push(textOf(b.text).toUpperCase());
        break;
      case 'section':
      case 'markdown':
        if (b.text) lines.push(textOf(b.text));
        for (const f of b.fields ?? []) lines.push(unescape(f.text ?? ''));
        break;
      case 'context':
        lines.push((b.elements ?? []).map((e) => textOf(e.text ?? (e as { text?: string }).text)).join('  '));
        break;
      case 'divider':
        lines.push('────────');
        break;
      case 'actions': {
        const labels: string[] = [];
        for (const e of b.elements ?? []) {
          if (e.type !== 'button' || !e.action_id) continue;
          buttons.push({ label: textOf(e.text), actionId: e.action_id, value: e.value, blockId: b.block_id });
          labels.push(`[${buttons.length}] ${textOf(e.text)}`);
        }
        if (labels.length) lines.push(labels.join('   '));
        break;
      }
      default:
        break;
    }
  }
  return { text: lines.join('\n'), buttons };
}
