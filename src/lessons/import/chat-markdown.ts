import type { ImportNote } from './import-types';
import { findCodeBlocks, findDetails, findSolution, withoutRegions, type Region } from './markdown-blocks';

/**
 * A scenario's text made chat-ready. Step bodies are shown in a Slack `markdown` block, which
 * renders standard Markdown but no HTML: tags become Markdown, the Solution dropdown leaves the body (it becomes the
 * solution), Tip dropdowns become hints, `{{exec}}`-style actions disappear, and host placeholders and pictures the
 * chat cannot show get a fallback and a note. Code is never touched (Go templates such as `{{.Name}}` stay).
 */

export const CHAT_MARKDOWN_MAX = 12000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'", ndash: '–', mdash: '—', hellip: '…', copy: '©' };
const decode = (s: string) => s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => ENTITIES[e.toLowerCase()] ?? (e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : m));

/** HTML in prose (never in code) to Markdown. */
function htmlToMarkdown(s: string, where: string, notes: ImportNote[]): string {
  let out = s
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?p\b[^>]*>/gi, '\n\n')
    .replace(/<(b|strong)\b[^>]*>([\s\S]*?)<\/\1>/gi, '**$2**')
    .replace(/<(i|em)\b[^>]*>([\s\S]*?)<\/\1>/gi, '_$2_')
    .replace(/<(code|kbd|tt)\b[^>]*>([\s\S]*?)<\/\1>/gi, '`$2`')
    .replace(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi, (_m, c: string) => `\n\`\`\`\n${decode(c.replace(/<[^>]+>/g, '')).trim()}\n\`\`\`\n`)
    .replace(/<h[1-6]\b[^>]*>([\s\S]*?)<\/h[1-6]>/gi, '\n**$1**\n')
    .replace(/<a\b[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '[$2]($1)')
    .replace(/<img\b[^>]*>/gi, (tag) => {
      const src = /src="([^"]*)"/i.exec(tag)?.[1] ?? '';
      const alt = /alt="([^"]*)"/i.exec(tag)?.[1] ?? '';
      return `![${alt}](${src})`;
    })
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(li|ul|ol|tr|table|div|center|blockquote)>/gi, '\n')
    .replace(/<(td|th)\b[^>]*>/gi, ' | ')
    .replace(/<hr\s*\/?>/gi, '\n---\n');
  const left = [...new Set([...out.matchAll(/<\/?([a-z][a-z0-9]*)\b[^>]*>/gi)].map((m) => m[1]!.toLowerCase()))];
  out = out.replace(/<\/?[a-z][a-z0-9]*\b[^>]*>/gi, '');
  if (left.some((t) => !['span', 'div', 'ul', 'ol', 'tr', 'table', 'tbody', 'thead', 'center', 'font', 'sup', 'sub', 'small', 'blockquote', 'summary', 'details', 'u'].includes(t))) {
    notes.push({ severity: 'info', where, message: `HTML tags removed: ${left.join(', ')}` });
  }
  return decode(out);
}

/** Killercoda/Katacoda host placeholders: the chat has no browser tab onto the sandbox, so they point at `curl`. */
function placeholders(s: string, where: string, notes: ImportNote[]): string {
  const port = (url: string) => /TRAFFIC_HOST\d+_(\d+)/.exec(url)?.[1] ?? /-(\d+)-\[\[KATACODA_HOST\]\]/.exec(url)?.[1] ?? /PORT[=_](\d+)/.exec(url)?.[1];
  let changed = false;
  let out = s.replace(/\[([^\]]*)\]\(([^)]*(?:\{\{\s*TRAFFIC_[A-Z0-9_]*\s*\}\}|\[\[[A-Z0-9_]+\]\])[^)]*)\)/g, (_m, text: string, url: string) => {
    changed = true;
    const p = port(url);
    return `${text} (in your sandbox: \`curl localhost${p ? `:${p}` : ''}\`)`;
  });
  out = out
    .replace(/https?:\/\/\[\[HOST_SUBDOMAIN\]\]-(\d+)-\[\[KATACODA_HOST\]\][\w./-]*/g, (_m, p: string) => ((changed = true), `localhost:${p}`))
    .replace(/\{\{\s*TRAFFIC_HOST\d+_(\d+)\s*\}\}/g, (_m, p: string) => ((changed = true), `localhost:${p}`))
    .replace(/\[\[(HOST_IP|HOST1_IP)\]\]/g, () => ((changed = true), 'localhost'));
  if (changed) notes.push({ severity: 'info', where, message: 'links to the scenario host (Killercoda traffic ports, Katacoda host placeholders) point the learner at curl localhost:PORT' });
  const unknown = [...new Set([...out.matchAll(/\[\[[A-Z0-9_]+\]\]|\{\{\s*(?!exec|execute|copy|open)[^}]*\}\}/g)].map((m) => m[0]))];
  if (unknown.length) notes.push({ severity: 'todo', where, message: `placeholder${unknown.length > 1 ? 's' : ''} with no meaning in a sandbox, kept as text: ${unknown.join(', ')}` });
  return out;
}

/** Pictures: a chat message cannot show the scenario's own files; web images become links. */
function pictures(s: string, where: string, notes: ImportNote[]): string {
  return s.replace(/!\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)/g, (_m, alt: string, src: string) => {
    if (/^https?:\/\//.test(src)) {
      notes.push({ severity: 'info', where, message: `image ${src} became a link (chat messages show no inline pictures)` });
      return `[image: ${alt || src.split('/').at(-1)}](${src})`;
    }
    notes.push({ severity: 'todo', where, message: `image ${src} is a scenario file the chat cannot show; replaced by its description` });
    return `_(picture: ${alt || src.split('/').at(-1) || 'not shown'})_`;
  });
}

const ACTION = /\{\{\s*(exec|execute|copy|open)\b[^}]*\}\}|\{\{\s*\}\}/g;

/** Converts prose segments only; code (fenced, inline, Katacoda editor blocks) is copied as is. */
function convertProse(md: string, where: string, notes: ImportNote[]): string {
  const code = findCodeBlocks(md);
  let out = '';
  let at = 0;
  const prose = (s: string) => pictures(placeholders(htmlToMarkdown(s.replace(ACTION, ''), where, notes), where, notes), where, notes);
  for (const b of code) {
    if (b.start < at) continue;
    out += prose(md.slice(at, b.start));
    if (b.action === 'file' && b.file) {
      notes.push({ severity: 'info', where, message: `editor block for ${b.file.path} turned into a shell heredoc` });
      out += `\`\`\`\ncat ${b.file.append ? '>>' : '>'} ${b.file.path} <<'EOF'\n${b.code}\nEOF\n\`\`\``;
    } else {
      out += md.slice(b.start, b.end).replace(ACTION, '');
    }
    at = b.end;
  }
  return out + prose(md.slice(at));
}

/** A Tip dropdown as one hint line: its text with code kept as inline code. */
function hintText(md: string): string {
  // HTML only in the prose: in code, `<image-name>` is a placeholder to keep, not a tag to drop
  const parts: string[] = [];
  let at = 0;
  for (const m of md.matchAll(/```[^\n]*\n([\s\S]*?)```/g)) {
    parts.push(htmlToMarkdown(md.slice(at, m.index), '', []), m[1]!.trim());
    at = m.index! + m[0].length;
  }
  parts.push(htmlToMarkdown(md.slice(at), '', []));
  return parts
    .join('\n')
    .replace(ACTION, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

export interface ChatText {
  text: string;
  hints: string[];
}

/** The learner-facing body of a step (or intro/finish), with its hints pulled out. */
export function toChatMarkdown(md: string, where: string, notes: ImportNote[]): ChatText {
  let src = md.replace(/\r\n/g, '\n');
  const hints: string[] = [];
  const cut: Region[] = [];
  const solution = findSolution(src);
  if (solution) {
    cut.push(solution);
    notes.push({ severity: 'info', where, message: `the "${solution.title}" section was removed from the text (it is the step's solution, shown on request)` });
  }
  for (const d of findDetails(src)) {
    if (d.kind === 'tip') {
      const h = hintText(src.slice(d.bodyStart, d.end).replace(/<\/details>\s*$/i, ''));
      if (h) hints.push(h);
      cut.push(d);
    }
  }
  if (hints.length) notes.push({ severity: 'info', where, message: `${hints.length} tip dropdown${hints.length > 1 ? 's' : ''} became hint${hints.length > 1 ? 's' : ''}` });
  src = withoutRegions(src, cut);
  // remaining dropdowns (Info, ...) stay visible: their title in bold, their content below it
  src = src.replace(/<details[^>]*>\s*(?:<summary[^>]*>([\s\S]*?)<\/summary>)?/gi, (_m, t?: string) => (t ? `\n**${t.replace(/<[^>]+>/g, '').trim()}**\n` : '\n')).replace(/<\/details>/gi, '\n');
  let text = convertProse(src, where, notes)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!text) text = '';
  if (text.length > CHAT_MARKDOWN_MAX) notes.push({ severity: 'todo', where, message: `the text is ${text.length} characters; Slack shows at most ${CHAT_MARKDOWN_MAX} in one message: shorten or split the step` });
  return { text: text ? `${text}\n` : '', hints };
}

/** Body text only, for callers that do not turn Tip dropdowns into hints. */
export function convertMarkdown(md: string, where: string, notes: ImportNote[]): string {
  return toChatMarkdown(md, where, notes).text;
}
