import type { Lesson } from '../../lessons/types';
import type { ChallengeEntryRecord, ChallengeRecord } from '../../store/types';
import { channelToken, dateToken, userToken, type Reply } from '../reply';
import { clock, rankEntries, type Ranked } from './challenge-rules';

/** How challenges look: the channel card, the leaderboard, the final results, the App Home lines. */

export const CHALLENGE_USAGE = 'Usage: `/tutor challenge start <exercise> [duration]`, `/tutor challenge end`, `/tutor challenge list`.';

const titleOf = (c: ChallengeRecord, lesson: Lesson | undefined) => lesson?.title ?? c.exerciseId;

/** The challenge card in the channel: the task, the deadline, the participants, the Accept button. */
export function challengeCard(c: ChallengeRecord, lesson: Lesson | undefined, participants: number): Reply {
  const title = titleOf(c, lesson);
  const task = lesson?.steps[0]?.body.trim() ?? '';
  if (c.endedAt) return { text: `Challenge ended: ${title}`, sections: [`:checkered_flag: *Challenge ended: ${title}*`, `${participants} took part. Results in the thread.`] };
  return {
    text: `Challenge: ${title}`,
    sections: [`:stopwatch: *Challenge: ${title}*`, task.length > 1500 ? `${task.slice(0, 1500)}…` : task, `Ends ${dateToken(c.endsAt)} · ${participants} participant${participants === 1 ? '' : 's'} · hints cost ${c.hintPenaltySeconds} s`],
    buttons: [{ label: 'Accept the challenge', actionId: `challenge:accept:${c.id}`, value: c.id, style: 'primary' }],
  };
}

/** The live leaderboard, in the card's thread. */
export function leaderboard(c: ChallengeRecord, entries: ChallengeEntryRecord[]): Reply {
  const ranked = rankEntries(entries, c.hintPenaltySeconds);
  return { text: 'Leaderboard', sections: [`*Leaderboard*${c.endedAt ? ' (final)' : ''}`, rankingTable(ranked) || '_Nobody yet: press Accept on the challenge._'] };
}

/** One line per participant: rank and time (penalties included), hints, checks. */
export function rankingTable(ranked: Ranked[]): string {
  return ranked
    .slice(0, 40)
    .map((r) => {
      const hints = r.entry.hintsUsed ? `, ${r.entry.hintsUsed} hint${r.entry.hintsUsed === 1 ? '' : 's'} (+${clock(r.penaltyMs)})` : '';
      const checks = `${r.entry.attempts} check${r.entry.attempts === 1 ? '' : 's'}`;
      return r.rank ? `${r.rank}. ${userToken(r.entry.userId)} ${clock(r.scoreMs!)}${hints} · ${checks}` : `–  ${userToken(r.entry.userId)} not solved yet${hints} · ${checks}`;
    })
    .join('\n');
}

/** The final results, posted in the card's thread when the challenge ends. */
export function finalResults(c: ChallengeRecord, lesson: Lesson | undefined, ranked: Ranked[], why: 'deadline' | 'admin'): Reply {
  const title = titleOf(c, lesson);
  const byAdmin = why === 'admin' ? ' (ended by an admin)' : '';
  const winner = ranked[0]?.rank ? ranked[0] : undefined;
  return {
    text: `The ${title} challenge has ended${byAdmin}.`,
    sections: [
      `:checkered_flag: *Final results: ${title}*${byAdmin}`,
      rankingTable(ranked) || 'Nobody took part.',
      winner ? `Congratulations ${userToken(winner.entry.userId)}!` : 'Nobody solved it this time.',
    ],
  };
}

/** The DM each participant gets at the end. */
export function endedForParticipant(c: ChallengeRecord, lesson: Lesson | undefined, r: Ranked): Reply {
  const title = titleOf(c, lesson);
  return {
    text: `The ${title} challenge has ended.`,
    sections: [`The *${title}* challenge has ended: ${r.rank ? `you placed number ${r.rank} (${clock(r.scoreMs!)})` : 'you did not solve it this time'}. \`solution\` now shows the answer.`],
  };
}

/** `/tutor challenge list`: one line per running challenge. */
export function runningLine(c: ChallengeRecord, lesson: Lesson | undefined, participants: number): string {
  return `• *${titleOf(c, lesson)}* in ${channelToken(c.channelId)}: ${participants} participant${participants === 1 ? '' : 's'}, ends ${dateToken(c.endsAt)}`;
}

/** A line of the learner's App Home: how they did in one challenge. */
export function resultLine(c: ChallengeRecord, lesson: Lesson | undefined, me: Ranked | undefined): string {
  const result = me?.rank ? `number ${me.rank}, ${clock(me.scoreMs!)}` : c.endedAt ? 'not solved' : 'in progress';
  return `• ${titleOf(c, lesson)} (${channelToken(c.channelId)}): ${result}`;
}
