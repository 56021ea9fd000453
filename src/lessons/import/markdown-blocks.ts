/**
 * Finds the parts of a Killercoda/Katacoda step text the importer cares about: code (fenced, inline, Katacoda
 * editor blocks) with its `{{exec}}`-style action, `<details>` dropdowns, and the Solution section.
 */

export type CodeAction = 'exec' | 'copy' | 'open' | 'file' | undefined;

export interface CodeBlock {
  start: number;
  end: number;
  code: string;
  inline: boolean;
  action: CodeAction;
  /** What followed the action word, e.g. `T2`, `HOST2`, `interrupt`. */
  actionArgs: string;
  /** Katacoda editor blocks: the file they write and whether they append. */
  file?: { path: string; append: boolean };
}

export interface Region {
  start: number;
  end: number;
  kind: 'solution' | 'tip' | 'other';
  title: string;
  /** The dropdown's content, without its summary. */
  bodyStart: number;
}

const ACTION = /^\{\{\s*(?:(execute|exec|copy|open)\b)?\s*([^}]*?)\s*\}\}/;

function actionOf(after: string): { action: CodeAction; args: string; length: number } {
  const m = ACTION.exec(after);
  if (!m) return { action: undefined, args: '', length: 0 };
  const word = m[1];
  return { action: word === 'execute' ? 'exec' : (word as CodeAction), args: m[2] ?? '', length: m[0].length };
}

const decodeEntities = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Fenced blocks (any indentation, ``` or ~~~, action right after the closing fence) and Katacoda `<pre class="file">`. */
function fencedBlocks(md: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = md.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (!open) {
      offset += line.length + 1;
      continue;
    }
    const [, indent, fence] = open as unknown as [string, string, string];
    const start = offset;
    const body: string[] = [];
    let j = i + 1;
    let pos = offset + line.length + 1;
    let closed: { action: ReturnType<typeof actionOf>; end: number } | undefined;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}(.*)$`).exec(l);
      if (close) {
        const act = actionOf(close[1]!.trimStart());
        closed = { action: act, end: pos + l.length };
        pos += l.length + 1;
        break;
      }
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
      pos += l.length + 1;
    }
    const action = closed?.action ?? { action: undefined, args: '', length: 0 };
    blocks.push({ start, end: closed?.end ?? md.length, code: body.join('\n'), inline: false, action: action.action, actionArgs: action.args });
    offset = pos;
    i = j;
  }
  for (const m of md.matchAll(/<pre\s+class="file"([^>]*)>([\s\S]*?)<\/pre>/g)) {
    const attrs = m[1]!;
    const file = /data-filename="([^"]+)"/.exec(attrs)?.[1];
    blocks.push({
      start: m.index!,
      end: m.index! + m[0].length,
      code: decodeEntities(m[2]!).replace(/^\n/, '').replace(/\s+$/, ''),
      inline: false,
      action: file ? 'file' : undefined,
      actionArgs: '',
      ...(file ? { file: { path: file, append: /data-target="append"/.test(attrs) } } : {}),
    });
  }
  return blocks;
}

/** Every code block in document order; inline code inside fenced blocks is not double-counted. */
export function findCodeBlocks(md: string): CodeBlock[] {
  const fenced = fencedBlocks(md);
  const inFence = (i: number) => fenced.some((b) => i >= b.start && i < b.end);
  const inline: CodeBlock[] = [];
  for (const m of md.matchAll(/(`+)([^`\n]+?)\1(?!`)/g)) {
    if (inFence(m.index!)) continue;
    const end = m.index! + m[0].length;
    const act = actionOf(md.slice(end));
    inline.push({ start: m.index!, end: end + act.length, code: m[2]!.trim(), inline: true, action: act.action, actionArgs: act.args });
  }
  return [...fenced, ...inline].sort((a, b) => a.start - b.start);
}

const SOLUTION_TITLE = /\b(solution|solutions|answer|l[öo]sung|soluci[óo]n)\b/i;
const TIP_TITLE = /\b(tip|tips|hint|hints)\b/i;

/** `<details><summary>T</summary>...</details>` dropdowns; an unclosed one runs to the next dropdown or the end. */
export function findDetails(md: string): Region[] {
  const regions: Region[] = [];
  const opens = [...md.matchAll(/<details[^>]*>\s*(?:<summary[^>]*>([\s\S]*?)<\/summary>)?/gi)];
  opens.forEach((m, k) => {
    const start = m.index!;
    const bodyStart = start + m[0].length;
    const next = opens[k + 1]?.index ?? md.length;
    const close = md.slice(bodyStart, next).search(/<\/details>/i);
    const end = close >= 0 ? bodyStart + close + '</details>'.length : next;
    const title = (m[1] ?? '').replace(/<[^>]+>/g, '').trim();
    const kind = SOLUTION_TITLE.test(title) ? 'solution' : TIP_TITLE.test(title) ? 'tip' : 'other';
    regions.push({ start, end, kind, title, bodyStart });
  });
  return regions;
}

/** A `### Solution` heading or a `**Solution**` line: the section runs to the next heading of the same or a higher level. */
export function findSolutionHeading(md: string): Region | undefined {
  const m = /^(#{1,6})\s*(?:\d+[.)]\s*)?(solution|solutions|answer|l[öo]sung)\b[^\n]*$|^\*\*(solution|answer|l[öo]sung)\*\*:?\s*$/im.exec(md);
  if (!m) return undefined;
  const level = m[1]?.length ?? 6;
  const bodyStart = m.index + m[0].length;
  const rest = md.slice(bodyStart);
  const next = rest.search(new RegExp(`^#{1,${level}}\\s`, 'm'));
  return { start: m.index, end: next >= 0 ? bodyStart + next : md.length, kind: 'solution', title: m[0].replace(/[#*:]/g, '').trim(), bodyStart };
}

/** The region holding the scenario's own solution, if the text has one. */
export function findSolution(md: string): Region | undefined {
  return findDetails(md).find((r) => r.kind === 'solution') ?? findSolutionHeading(md);
}

/** The text without the given regions (nested or overlapping ones are cut once). */
export function withoutRegions(md: string, regions: readonly { start: number; end: number }[]): string {
  let text = '';
  let at = 0;
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    if (r.start > at) text += md.slice(at, r.start);
    at = Math.max(at, r.end);
  }
  return text + md.slice(at);
}

/** Plain text of the prose between two offsets (tags and code stripped), for reading what the author says about a block. */
export function proseBetween(md: string, from: number, to: number): string {
  return md
    .slice(Math.max(0, from), Math.max(0, to))
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\{\{[^}]*\}\}/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
