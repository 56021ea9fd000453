import { assignedBlocks, classViewBlocks } from '../../../src/slack/render/class-sections';

describe('App Home sections for assignments and the class view', () => {
  it('lists at most ten assignments, overdue marked, with Start or Resume, and nothing when there are none', () => {
    expect(assignedBlocks([])).toEqual([]);
    const items = Array.from({ length: 12 }, (_, i) => ({ lessonId: `l${i}`, title: `Lesson <${i}>`, dueAt: i === 0 ? new Date('2026-12-20T23:59:00Z') : null, overdue: i === 0, started: i === 1 }));
    const blocks = JSON.stringify(assignedBlocks(items));
    expect(blocks).toContain(':warning: *overdue*: was due Sun, 20 Dec 2026');
    expect(blocks).toContain('Lesson &lt;0&gt;');
    expect(blocks.match(/"action_id":"tutor:start:/g)).toHaveLength(10);
    expect(blocks).toContain('"text":"Resume"');
    expect(blocks).toContain('and 2 more');
  });

  it('puts stuck learners first, each with its own Send a hint button, and the rest in one section', () => {
    expect(classViewBlocks(undefined)).toEqual([]);
    const row = (userId: string, stuckMinutes: number | null) => ({ userId, lessonTitle: 'Running *containers*', stepNumber: 2, stepCount: 10, stepTitle: 'Names', stuckMinutes });
    const blocks = classViewBlocks({ rows: [row('U1', 14), row('U2', null), row('U3', null)], more: 0, stuckAfterMinutes: 10 });
    const text = JSON.stringify(blocks);
    expect(text.match(/class:hint:/g)).toHaveLength(1);
    expect(text).toContain('"value":"U1"');
    expect(text).toContain('stuck for 14 min');
    expect(text).toContain('<@U2> · Running *containers* · step 2/10 “Names”\\n<@U3>');
    expect(JSON.stringify(classViewBlocks({ rows: [], more: 0, stuckAfterMinutes: 10 }))).toContain('Nobody is in a lesson right now.');
  });
});
