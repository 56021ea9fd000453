import type { Lesson } from '../../lessons';
import type { ChallengeEntryRecord, ChallengeRecord } from '../../store';
import { channelToken, dateToken, userToken, type Reply } from '../reply';
import { clock, rankEntries, type Ranked } from './challenge-rules';

/** How challenges look: the channel card, the leaderboard, the final results, the App Home lines. */

export const CHALLENGE_USAGE =
  'Usage: `/tutor challenge start <exercise> [duration]`, `/tutor challenge end`, `/tutor challenge list`, `/tutor challenge disqualify @user` (admins).';

const titleOf = (c: ChallengeRecord, lesson: Lesson | undefined) => lesson?.title ?? c.exerciseId;

/** The challenge card in the channel: the task, the deadline, the participants, the Accept button. */
export function challengeCard(c: ChallengeRecord, lesson: Lesson | undefined, participants: number): Reply {
  const title = titleOf(c, lesson);
  const task = lesson?.steps[0]?.body.trim() ?? '';
  if (c.endedAt) return { text: `Challenge ended: ${title}`, sections: [`:checkered_flag: *Challenge ended: ${title}*`, `${participants} took part. Results in the thread.`] };
  return {
    text: `Challenge: ${title}`,
    // the exercise's body is lesson Markdown: it goes out as markdown, like a step card's (tutor/views.ts)
    sections: [`:stopwatch: *Challenge: ${title}*`, `Ends ${dateToken(c.endsAt)} · ${participants} participant${participants === 1 ? '' : 's'} · hints cost ${c.hintPenaltySeconds} s`],
    ...(task ? { markdown: task.length > 1500 ? `${task.slice(0, 1500)}…` : task } : {}),
    buttons: [{ label: 'Accept the challenge', actionId: `challenge:accept:${c.id}`, value: c.id, style: 'primary' }],
  };
}

/** The live leaderboard, in the card's thread. */
export function leaderboard(c: ChallengeRecord, entries: ChallengeEntryRecord[]): Reply {
  const ranked = rankEntries(entries, c.hintPenaltySeconds, c.minSolveSeconds);
  return { text: 'Leaderboard', sections: [`*Leaderboard*${c.endedAt ? ' (final)' : ''}`, rankingTable(ranked) || '_Nobody yet: press Accept on the challenge._'] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per participant: rank and time (penalties included), hints, attempts; flags and disqualifications. */
export function rankingTable(ranked: Ranked[]): string {
  return ranked
    .slice(0, 40)
    .map((r) => {
      const hints = r.entry.hintsUsed ? `, ${plural(r.entry.hintsUsed, 'hint')} (+${clock(r.penaltyMs)})` : ', no hints';
      const attempts = `${plural(r.entry.attempts, 'attempt')}`;
      const who = userToken(r.entry.userId);
      if (r.disqualified) return `–  ~${who}~ disqualified by an admin${r.solveMs !== null ? ` (solved in ${clock(r.solveMs)})` : ''}`;
      if (!r.rank) return `–  ${who} not solved yet${hints} · ${attempts}`;
      const flag = r.flagged ? ` · :warning: solved in ${clock(r.solveMs!)}: review` : '';
      return `${r.rank}. ${who} ${clock(r.scoreMs!)}${hints} · ${attempts}${flag}`;
    })
    .join('\n');
}

/** The final results, posted in the card's thread when the challenge ends (and edited after a disqualification). */
export function finalResults(c: ChallengeRecord, lesson: Lesson | undefined, ranked: Ranked[]): Reply {
  const title = titleOf(c, lesson);
  const byAdmin = c.endedAt && c.endedAt.getTime() < c.endsAt.getTime() ? ' (ended by an admin)' : '';
  const winner = ranked[0]?.rank ? ranked[0] : undefined;
  const flagged = ranked.filter((r) => r.flagged);
  const review = flagged.length
    ? [
        `:mag: *For an admin to review*: solved in under ${c.minSolveSeconds} s from the start: ${flagged.map((r) => `${userToken(r.entry.userId)} (${clock(r.solveMs!)})`).join(', ')}. \`/tutor challenge disqualify @user\` removes an entry and re-ranks.`,
      ]
    : [];
  return {
    text: `The ${title} challenge has ended${byAdmin}.`,
    sections: [
      `:checkered_flag: *Final results: ${title}*${byAdmin}`,
      rankingTable(ranked) || 'Nobody took part.',
      ...review,
      winner ? `Congratulations ${userToken(winner.entry.userId)}!` : ranked.length ? 'Nobody solved it this time.' : '',
    ].filter(Boolean),
    context: 'Times run from the moment each sandbox was ready (exercise images pulled) and the task shown; hints add their penalty.',
  };
}

/** The DM each participant gets at the end. */
export function endedForParticipant(c: ChallengeRecord, lesson: Lesson | undefined, r: Ranked): Reply {
  const title = titleOf(c, lesson);
  return {
    text: `The ${title} challenge has ended.`,
    sections: [`The *${title}* challenge has ended: ${r.rank ? `you placed number ${r.rank} (${clock(r.scoreMs!)})` : r.disqualified ? 'your entry was disqualified by an admin' : 'you did not solve it this time'}. \`solution\` now shows the answer.`],
  };
}

/** `/tutor challenge list`: one line per running challenge. */
export function runningLine(c: ChallengeRecord, lesson: Lesson | undefined, participants: number): string {
  return `• *${titleOf(c, lesson)}* in ${channelToken(c.channelId)}: ${participants} participant${participants === 1 ? '' : 's'}, ends ${dateToken(c.endsAt)}`;
}

/** A line of the learner's App Home: how they did in one challenge. */
export function resultLine(c: ChallengeRecord, lesson: Lesson | undefined, me: Ranked | undefined): string {
  const result = me?.disqualified ? 'disqualified' : me?.rank ? `number ${me.rank}, ${clock(me.scoreMs!)}` : c.endedAt ? 'not solved' : 'in progress';
  return `• ${titleOf(c, lesson)} (${channelToken(c.channelId)}): ${result}`;
}
