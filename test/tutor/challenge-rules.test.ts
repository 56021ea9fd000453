import { clock, parseDuration, rankEntries } from '../../src/tutor/challenges/challenge-rules';
import type { ChallengeEntryRecord } from '../../src/store/types';

describe('challenge durations', () => {
  it.each([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['15', 900_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toEqual({ ms }));

  it.each([['-5m'], ['10y'], ['soon'], ['5s'], ['25h'], ['m'], ['']])('refuses %j with a friendly message', (text) => {
    const r = parseDuration(text);
    expect('error' in r && r.error.length > 10).toBe(true);
  });
});

describe('ranking', () => {
  const t0 = new Date('2026-01-01T10:00:00Z').getTime();
  const entry = (id: string, o: Partial<ChallengeEntryRecord>): ChallengeEntryRecord => ({ id, challengeId: 'c', learnerId: id, teamId: 'T', userId: id, acceptedAt: new Date(t0), solvedAt: null, attempts: 1, hintsUsed: 0, readyAt: null, disqualifiedAt: null, disqualifiedBy: null, ...o });

  it('ranks solved first, then time with hint penalties, then fewer checks; unsolved are unranked', () => {
    const ranked = rankEntries(
      [
        entry('slow', { solvedAt: new Date(t0 + 100_000) }),
        entry('unsolved', { attempts: 0 }),
        entry('fast-with-hint', { solvedAt: new Date(t0 + 50_000), hintsUsed: 2 }), // 50 s + 2 x 30 s = 110 s
        entry('tie-more-checks', { solvedAt: new Date(t0 + 100_000), attempts: 3 }),
      ],
      30,
    );
    expect(ranked.map((r) => [r.entry.id, r.rank])).toEqual([
      ['slow', 1],
      ['tie-more-checks', 2],
      ['fast-with-hint', 3],
      ['unsolved', null],
    ]);
    expect(ranked[2]!.scoreMs).toBe(110_000);
    expect(clock(110_000)).toBe('1:50');
    expect(clock(3_725_000)).toBe('1:02:05');
  });
});
