import type { ChallengeEntryRecord, ChallengeRecord } from '../../../src/store/types';
import { rankEntries, startOf } from '../../../src/tutor/challenges/challenge-rules';
import { finalResults, rankingTable, resultLine } from '../../../src/tutor/challenges/challenge-views';
import { makeLesson } from '../../support/fakes/lessons';

const t0 = new Date('2026-01-01T10:00:00Z').getTime();
const at = (s: number) => new Date(t0 + s * 1000);
const entry = (id: string, o: Partial<ChallengeEntryRecord> = {}): ChallengeEntryRecord => ({
  id,
  challengeId: 'c',
  learnerId: id,
  teamId: 'T',
  userId: `U${id.toUpperCase()}`,
  acceptedAt: at(0),
  solvedAt: null,
  attempts: 1,
  hintsUsed: 0,
  readyAt: null,
  disqualifiedAt: null,
  disqualifiedBy: null,
  ...o,
});
const challenge = (o: Partial<ChallengeRecord> = {}): ChallengeRecord => ({
  id: 'c',
  teamId: 'T',
  channelId: 'CRACE',
  exerciseId: 'nginx-race',
  createdBy: 'UADMIN',
  startedAt: at(0),
  endsAt: at(600),
  endedAt: at(300),
  cardTs: '1.1',
  leaderboardTs: '1.2',
  hintPenaltySeconds: 30,
  minSolveSeconds: 5,
  resultsTs: null,
  ...o,
});
const lesson = makeLesson('nginx-race', { kind: 'exercise', title: 'NGINX race' });
/** The tutor's user token as the Slack layer turns it into a mention. */
const plain = (s: string) => s.replace(/\uE100user:(\w+)\uE101/g, '@$1').replace(/[\uE100\uE101]/g, '');

describe('race clocks', () => {
  it('run from the moment the sandbox was ready, not from the click: a slow sandbox start costs nobody time', () => {
    const slowSandbox = entry('slow', { acceptedAt: at(0), readyAt: at(20), solvedAt: at(50) });
    const fastSandbox = entry('quick', { acceptedAt: at(0), readyAt: at(2), solvedAt: at(40) });
    expect(startOf(slowSandbox)).toEqual(at(20));
    const ranked = rankEntries([fastSandbox, slowSandbox], 30);
    expect(ranked.map((r) => [r.entry.id, r.rank, r.scoreMs])).toEqual([
      ['slow', 1, 30_000],
      ['quick', 2, 38_000],
    ]);
  });

  it('fall back to the click for an entry whose sandbox never reported ready', () => {
    expect(rankEntries([entry('old', { solvedAt: at(70) })], 30)[0]!.scoreMs).toBe(70_000);
  });
});

describe('integrity signals', () => {
  it('flag a solve under the floor (still ranked), put disqualified entries last and unranked, and re-rank the rest', () => {
    const entries = [
      entry('bot', { solvedAt: at(2), attempts: 1 }),
      entry('honest', { solvedAt: at(40), attempts: 3, hintsUsed: 1 }),
      entry('cheat', { solvedAt: at(1), disqualifiedAt: at(400), disqualifiedBy: 'UADMIN' }),
      entry('slow', { solvedAt: at(90), attempts: 2 }),
      entry('stuck', { attempts: 5 }),
    ];
    const ranked = rankEntries(entries, 30, 5);
    expect(ranked.map((r) => [r.entry.id, r.rank, r.flagged, r.disqualified])).toEqual([
      ['bot', 1, true, false],
      ['honest', 2, false, false],
      ['slow', 3, false, false],
      ['stuck', null, false, false],
      ['cheat', null, false, true],
    ]);
    // A floor of 0 flags nothing.
    expect(rankEntries(entries, 30, 0).some((r) => r.flagged)).toBe(false);
  });

  it('the final results show each solver\'s time, attempts and hints, the flag for review, and disqualified entries struck out', () => {
    const ranked = rankEntries(
      [entry('bot', { solvedAt: at(2) }), entry('honest', { solvedAt: at(40), attempts: 3, hintsUsed: 1 }), entry('cheat', { solvedAt: at(1), disqualifiedAt: at(400) }), entry('stuck', { attempts: 2 })],
      30,
      5,
    );
    const reply = finalResults(challenge(), lesson, ranked);
    const text = plain((reply.sections ?? []).join('\n'));
    expect(text).toContain('*Final results: NGINX race* (ended by an admin)');
    expect(plain(rankingTable(ranked)).split('\n')).toEqual([
      '1. @UBOT 0:02, no hints · 1 attempt · :warning: solved in 0:02: review',
      '2. @UHONEST 1:10, 1 hint (+0:30) · 3 attempts',
      '–  @USTUCK not solved yet, no hints · 2 attempts',
      '–  ~@UCHEAT~ disqualified by an admin (solved in 0:01)',
    ]);
    expect(text).toMatch(/For an admin to review\*: solved in under 5 s from the start: @UBOT \(0:02\)\. `\/tutor challenge disqualify @user`/);
    expect(text).toContain('Congratulations @UBOT!');
    expect(resultLine(challenge(), lesson, ranked[3])).toMatch(/: disqualified$/);
  });

  it('without flags there is no review section; a challenge that ran to its deadline does not say an admin ended it', () => {
    const ranked = rankEntries([entry('honest', { solvedAt: at(40) })], 30, 5);
    const text = (finalResults(challenge({ endedAt: at(600) }), lesson, ranked).sections ?? []).join('\n');
    expect(text).not.toMatch(/review|ended by an admin/);
  });
});
