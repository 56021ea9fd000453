import { distance } from 'fastest-levenshtein';
import { cleanText, MAX_MESSAGE_CHARS } from './clean-text';

export const WORDS = ['help', 'lessons', 'start', 'next', 'hint', 'check', 'solution', 'skip', 'progress', 'reset', 'stop', 'playground'] as const;
export type Word = (typeof WORDS)[number];

export type Intent =
  | { kind: 'command'; command: string }
  | { kind: 'word'; word: Word; arg: string; corrected?: string }
  | { kind: 'empty' }
  | { kind: 'unknown'; text: string; suggestion?: Word };

const ALIASES: Record<string, Word> = { '?': 'help', menu: 'help', list: 'lessons', course: 'lessons', continue: 'start', resume: 'start', answer: 'solution', status: 'progress', pause: 'stop', quit: 'stop' };

/**
 * What a learner's message asks for. Shell commands are explicit (`$ cmd`, `inline code`, a code block)
 * so that plain words never run in the sandbox by accident.
 */
export function parseIntent(raw: string): Intent {
  const text = raw.trim();
  if (!text) return { kind: 'empty' };

  const dollar = /^\$\s+([\s\S]+)$/.exec(text);
  if (dollar) return { kind: 'command', command: dollar[1]!.trim() };
  const block = /^```(?:[a-z]*\n)?([\s\S]*?)\n?```$/.exec(text);
  if (block && block[1]!.trim()) return { kind: 'command', command: block[1]!.trim().replace(/^\$\s+/, '') };
  const inline = /^`([^`]+)`$/.exec(text);
  if (inline) return { kind: 'command', command: inline[1]!.trim().replace(/^\$\s+/, '') };

  const [first = '', ...rest] = text.split(/\s+/);
  const head = first.toLowerCase().replace(/[.!?,:;]+$/, '') || first;
  const arg = rest.join(' ');
  const exact = (WORDS as readonly string[]).includes(head) ? (head as Word) : ALIASES[head];
  if (exact) return { kind: 'word', word: exact, arg };

  // Small typos are tolerated: one edit for short words, two for long ones.
  const best = closest(head);
  if (best && rest.length <= 3) return { kind: 'word', word: best.word, arg, corrected: head };
  return { kind: 'unknown', text, suggestion: closest(head, 3)?.word };
}

/** A learner's message, read once: how long it was, its clean text (no more than the tutor reads) and what it asks for. */
export interface LearnerMessage {
  length: number;
  /** Longer than the tutor reads: answered with that, and nothing in it runs. */
  tooLong: boolean;
  text: string;
  intent: Intent;
}

/** Cleans and parses a message once; the limiter and the answer both use the result. */
export function readMessage(raw: string): LearnerMessage {
  const text = cleanText(raw.slice(0, MAX_MESSAGE_CHARS + 1));
  return { length: raw.length, tooLong: raw.length > MAX_MESSAGE_CHARS, text, intent: parseIntent(text) };
}

/** `reset` or `stop`, exactly: they always reach the tutor (never limited, never typed into a command), so a learner is never stuck. */
export function isEscape(intent: Intent): intent is Extract<Intent, { kind: 'word' }> & { word: 'reset' | 'stop' } {
  return intent.kind === 'word' && (intent.word === 'reset' || intent.word === 'stop') && !intent.corrected && !intent.arg;
}

function closest(word: string, slack?: number): { word: Word; d: number } | undefined {
  let best: { word: Word; d: number } | undefined;
  for (const w of WORDS) {
    const d = distance(word, w);
    const allowed = slack ?? (w.length <= 4 ? 1 : 2);
    if (d <= allowed && d < word.length && (!best || d < best.d)) best = { word: w, d };
  }
  return best;
}
