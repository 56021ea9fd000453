import type { ChallengeEntryRecord } from '../../store';

export const MIN_DURATION_MS = 10_000;
export const MAX_DURATION_MS = 24 * 3600_000;

/** `90s`, `10m`, `1h30m`, `2h` (or a bare number of minutes) → ms; an error message for anything else. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const t = text.trim().toLowerCase();
  let ms: number;
  if (/^\d+$/.test(t)) ms = Number(t) * 60_000;
  else {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
    if (!m || !t || (!m[1] && !m[2] && !m[3])) return { error: `"${text.slice(0, 20)}" is not a duration: use minutes like \`15m\`, or \`90s\`, \`1h30m\`.` };
    ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  if (ms < MIN_DURATION_MS) return { error: `A challenge needs at least ${MIN_DURATION_MS / 1000} seconds.` };
  if (ms > MAX_DURATION_MS) return { error: 'A challenge can last at most 24 hours.' };
  return { ms };
}

export interface Ranked {
  entry: ChallengeEntryRecord;
  /** 1 for the winner; null when unsolved or disqualified. */
  rank: number | null;
  /** Time from the learner's start to the solve plus hint penalties; null when unsolved. */
  scoreMs: number | null;
  penaltyMs: number;
  /** Time from the learner's start to the solve, without penalties; null when unsolved. */
  solveMs: number | null;
  /** Solved faster than the challenge's floor: an admin should look at it. */
  flagged: boolean;
  disqualified: boolean;
}

/** When a learner's race clock starts: once their sandbox was ready and the task shown (accepting, for older entries). */
export const startOf = (e: ChallengeEntryRecord): Date => e.readyAt ?? e.acceptedAt;

/**
 * Solved first, then by time including hint penalties, then by fewer checks; unsolved are unranked, and
 * disqualified entries come last, unranked. A solve under `minSolveSeconds` is flagged, still ranked.
 */
export function rankEntries(entries: ChallengeEntryRecord[], hintPenaltySeconds: number, minSolveSeconds = 0): Ranked[] {
  const rows = entries.map((entry) => {
    const penaltyMs = entry.hintsUsed * hintPenaltySeconds * 1000;
    const solveMs = entry.solvedAt ? Math.max(0, entry.solvedAt.getTime() - startOf(entry).getTime()) : null;
    const disqualified = entry.disqualifiedAt !== null;
    const flagged = solveMs !== null && !disqualified && solveMs < minSolveSeconds * 1000;
    return { entry, solveMs, scoreMs: solveMs === null ? null : solveMs + penaltyMs, penaltyMs, flagged, disqualified, rank: null as number | null };
  });
  const group = (r: (typeof rows)[number]) => (r.disqualified ? 2 : r.scoreMs === null ? 1 : 0);
  rows.sort((a, b) => {
    if (group(a) !== group(b)) return group(a) - group(b);
    if (a.scoreMs !== null && b.scoreMs !== null && a.scoreMs !== b.scoreMs) return a.scoreMs - b.scoreMs;
    return a.entry.attempts - b.entry.attempts || a.entry.acceptedAt.getTime() - b.entry.acceptedAt.getTime();
  });
  rows.forEach((r, i) => (r.rank = group(r) === 0 ? i + 1 : null));
  return rows;
}

export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
