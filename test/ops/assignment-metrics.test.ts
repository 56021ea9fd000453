import { BotMetrics } from '../../src/ops/metrics';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the assignments gauge', () => {
  it('reads assigned, completed and overdue at scrape time, and keeps the last values when the count fails', async () => {
    const m = new BotMetrics({ processMetrics: false });
    let counts: { assigned: number; completed: number; overdue: number } | Error = { assigned: 5, completed: 2, overdue: 1 };
    m.bind({ assignments: async () => (counts instanceof Error ? Promise.reject(counts) : counts) });
    let text = await m.text();
    expect(sample(text, 'dockhand_assignments{state="assigned"}')).toBe(5);
    expect(sample(text, 'dockhand_assignments{state="completed"}')).toBe(2);
    expect(sample(text, 'dockhand_assignments{state="overdue"}')).toBe(1);
    counts = new Error('database down');
    text = await m.text();
    expect(sample(text, 'dockhand_assignments{state="assigned"}')).toBe(5);
    counts = { assigned: 6, completed: 3, overdue: 0 };
    text = await m.text();
    expect(sample(text, 'dockhand_assignments{state="completed"}')).toBe(3);
    expect(sample(text, 'dockhand_assignments{state="overdue"}')).toBe(0);
  });
});
