import * as path from 'node:path';
import { loadLessons } from '../../src/lessons/lesson-loader';
import type { Lesson } from '../../src/lessons/types';
import { renderReply } from '../../src/slack/render/render-reply';
import type { ChallengeRecord } from '../../src/store';
import { challengeCard } from '../../src/tutor/challenges/challenge-views';
import type { Reply } from '../../src/tutor/reply';
import { hintReply, lessonIntro, lessonList, lessonSummary, stepCard } from '../../src/tutor/views';

/**
 * Every text of the shipped course, rendered the way Slack gets it (the tutor's own views, then the Slack renderer):
 * intros, step cards, every hint, finish texts, the course list and the challenge card of every exercise.
 */

type Block = { type: string; text?: { type: string; text: string } | string; elements?: { type: string; text?: string }[] };
interface Rendered {
  where: string;
  /** `mrkdwn`: Slack's own markup (sections, context); `markdown`: a markdown block (standard Markdown). */
  kind: 'mrkdwn' | 'markdown';
  text: string;
}

function textsOf(where: string, reply: Reply): Rendered[] {
  const out: Rendered[] = [];
  for (const b of renderReply(reply).blocks as Block[]) {
    if (b.type === 'markdown' && typeof b.text === 'string') out.push({ where, kind: 'markdown', text: b.text });
    if (b.type === 'section' && typeof b.text === 'object' && b.text.type === 'mrkdwn') out.push({ where, kind: 'mrkdwn', text: b.text.text });
    if (b.type === 'context') for (const e of b.elements ?? []) if (e.type === 'mrkdwn' && e.text) out.push({ where, kind: 'mrkdwn', text: e.text });
  }
  return out;
}

const challenge = (exerciseId: string): ChallengeRecord => ({
  id: 'c1',
  teamId: 'T1',
  channelId: 'C1',
  exerciseId,
  createdBy: 'U1',
  startedAt: new Date(0),
  endsAt: new Date(600_000),
  endedAt: null,
  cardTs: null,
  leaderboardTs: null,
  hintPenaltySeconds: 30,
  minSolveSeconds: 0,
  resultsTs: null,
});

function courseTexts(lessons: Lesson[]): Rendered[] {
  const out: Rendered[] = textsOf('course list', lessonList(lessons, []));
  for (const l of lessons) {
    const intro = lessonIntro(l);
    if (intro) out.push(...textsOf(`${l.id} intro`, intro));
    for (const s of l.steps) {
      out.push(...textsOf(`${l.id}/${s.id} step card`, stepCard(l, s)));
      s.hints.forEach((_h, i) => out.push(...textsOf(`${l.id}/${s.id} hint ${i + 1}`, hintReply(s, i + 1))));
    }
    out.push(...textsOf(`${l.id} finish`, lessonSummary(l, undefined, undefined)));
    if (l.kind === 'exercise') out.push(...textsOf(`${l.id} challenge card`, challengeCard(challenge(l.id), l, 0)));
  }
  return out;
}

/** The text outside fenced code blocks and inline code spans: what Slack formats. */
function prose(text: string): string {
  return text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ');
}

/** What a reader would trip over in one rendered text; empty when it renders cleanly. */
function renderingProblems(r: Rendered): string[] {
  const problems: string[] = [];
  const fences = r.text.split('\n').filter((line) => /^\s*```/.test(line)).length;
  if (fences % 2) problems.push('a code fence is opened and never closed');
  if (/[^\n]```|```[^\n]/.test(r.text.replace(/^\s*```[a-z]*$/gm, ''))) problems.push('a code fence that is not on a line of its own');
  const p = prose(r.text);
  if (r.kind === 'mrkdwn' && /\*\*|__/.test(p)) problems.push('Markdown bold (** or __) in a mrkdwn text, where Slack shows the marks');
  for (const para of p.split(/\n\s*\n/)) if ((para.match(/`/g) ?? []).length % 2) problems.push(`an inline code span is not closed: "${para.trim().slice(0, 60)}"`);
  if (/\\x[0-9a-fA-F]{2}|\\0[0-7]{2}|\\u00[0-9a-fA-F]{2}/.test(r.text)) problems.push('an escape like \\x27 a learner has to decode (show the file as a heredoc)');
  return problems;
}

describe('the course as Slack renders it', () => {
  let texts: Rendered[];
  beforeAll(async () => {
    const { lessons, errors } = await loadLessons(path.join(__dirname, '..', '..', 'lessons'));
    expect(errors).toEqual([]);
    texts = courseTexts(lessons);
  });

  it('renders every intro, step, hint, finish text, the list and every challenge card without a literal **, a broken fence or an escape', () => {
    const bad = texts.flatMap((r) => renderingProblems(r).map((p) => `${r.where}: ${p}`));
    expect(bad).toEqual([]);
    // the walk covers the whole course: every kind of text is there
    for (const kind of ['intro', 'step card', 'hint 1', 'finish', 'challenge card', 'course list']) expect(texts.some((t) => t.where.includes(kind))).toBe(true);
  });

  it('sends lesson text as markdown: a finish text with **bold** is a markdown block, never a mrkdwn section', () => {
    const finish = texts.filter((t) => t.where.endsWith(' finish'));
    expect(finish.some((t) => t.kind === 'markdown' && t.text.includes('**'))).toBe(true);
    expect(finish.filter((t) => t.kind === 'mrkdwn' && t.text.includes('**'))).toEqual([]);
  });

  it('finds each kind of problem it looks for', () => {
    const at = (kind: Rendered['kind'], text: string) => renderingProblems({ where: 'x', kind, text });
    expect(at('mrkdwn', 'Next: **Compose**')).toEqual(['Markdown bold (** or __) in a mrkdwn text, where Slack shows the marks']);
    expect(at('markdown', 'Next: **Compose**')).toEqual([]);
    expect(at('mrkdwn', 'run `a ** b`')).toEqual([]);
    expect(at('markdown', 'Type:\n```\ndocker ps\n')).toContain('a code fence is opened and never closed');
    expect(at('markdown', 'Type: ```docker ps```')).toContain('a code fence that is not on a line of its own');
    expect(at('markdown', "printf 'open(\\x27a\\x27)'")).toEqual(['an escape like \\x27 a learner has to decode (show the file as a heredoc)']);
    expect(at('markdown', 'Run `docker ps and look')).toEqual(['an inline code span is not closed: "Run `docker ps and look"']);
  });
});
