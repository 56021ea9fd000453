import type { LearnerActivity } from '../../../src/store/types';
import { AdminDirectory } from '../../../src/tutor/admins';
import { ClassReport, csvField, timeSpentMs, toCsv } from '../../../src/tutor/team/report';

const at = (min: number) => new Date(Date.UTC(2026, 11, 6, 9, 0) + min * 60_000);
const activity = (over: Partial<LearnerActivity> = {}): LearnerActivity => ({ userId: 'U1', displayName: 'Ada', lastSeenAt: at(0), lessonsCompleted: 1, stepsCompleted: 4, eventTimes: [], ...over });

describe('time spent', () => {
  it('sums gaps between consecutive events under 10 minutes, in any order; a break of 10 minutes or more adds nothing', () => {
    expect(timeSpentMs([])).toBe(0);
    expect(timeSpentMs([at(0)])).toBe(0);
    expect(timeSpentMs([at(5), at(0), at(9)])).toBe(9 * 60_000);
    // 0 -> 9: 9 min; 9 -> 19: a 10-minute break; 19 -> 20: 1 min
    expect(timeSpentMs([at(0), at(9), at(19), at(20)])).toBe(10 * 60_000);
    expect(timeSpentMs([at(0), at(60 * 24)])).toBe(0);
  });
});

describe('the report CSV', () => {
  it('has a header, one row per learner most recently seen first, minutes rounded and last seen in UTC', () => {
    const csv = toCsv([
      activity({ userId: 'U1', displayName: 'Ada', eventTimes: [at(0), at(3), at(7)] }),
      activity({ userId: 'U2', displayName: null, lessonsCompleted: 0, stepsCompleted: 1, lastSeenAt: at(100), eventTimes: [at(30)] }),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'learner,slack_user_id,lessons_done,steps_done,time_spent_minutes,last_seen_utc',
      'U2,U2,0,1,0,2026-12-06T10:40:00.000Z',
      'Ada,U1,1,4,7,2026-12-06T09:07:00.000Z',
      '',
    ]);
  });

  it('quotes commas, quotes and newlines, and defuses names a spreadsheet would run as a formula', () => {
    expect(csvField('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvField('say "hi"\nthere')).toBe('"say ""hi""\nthere"');
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    for (const bad of ['+1', '-2+3', '@SUM(A1)', '\tx']) expect(csvField(bad).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-3)).toBe('-3');
  });
});

describe('ClassReport', () => {
  const store = (rows: LearnerActivity[]) => ({ asked: [] as (readonly string[] | undefined)[], activity(_t: string, ids?: readonly string[]) { this.asked.push(ids); return Promise.resolve(rows); } });

  it('refuses a non-admin without reading anything', async () => {
    const s = store([activity()]);
    const out = await new ClassReport({ store: s, admins: new AdminDirectory(['U0ADMIN']) }).report({ teamId: 'T1', userId: 'U0OTHER' }, { kind: 'workspace' });
    expect(out).toEqual({ kind: 'answer', reply: { text: 'Sorry, only Dockhand admins can see the class report. Your own progress is in `/tutor progress`.' } });
    expect(s.asked).toEqual([]);
  });

  it('an empty workspace gets a friendly line instead of an empty file; a channel asks only for its members', async () => {
    const s = store([]);
    const report = new ClassReport({ store: s, admins: new AdminDirectory(['U0ADMIN']), now: () => at(0) });
    const out = await report.report({ teamId: 'T1', userId: 'U0ADMIN' }, { kind: 'workspace' });
    expect(out.kind === 'answer' && out.reply.text).toMatch(/^Nobody in this workspace has started yet/);
    await report.report({ teamId: 'T1', userId: 'U0ADMIN' }, { kind: 'channel', channelId: 'C1', memberIds: ['U1', 'U2'] });
    expect(s.asked).toEqual([undefined, ['U1', 'U2']]);
  });

  it('names the file by scope and day', async () => {
    const out = await new ClassReport({ store: store([activity()]), admins: new AdminDirectory(['U0ADMIN']), now: () => at(0) }).report({ teamId: 'T1', userId: 'U0ADMIN' }, { kind: 'channel', channelId: 'C1', memberIds: ['U1'] });
    expect(out).toMatchObject({ kind: 'file', filename: 'dockhand-report-C1-2026-12-06.csv', learners: 1 });
  });
});
