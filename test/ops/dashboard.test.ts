import fs from 'node:fs';
import path from 'node:path';
import { BotMetrics } from '../../src/ops/metrics';

const docs = path.resolve(__dirname, '..', '..', 'docs');
const exported = async () => {
  const text = await new BotMetrics().text();
  return new Set([...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]!));
};
const base = (name: string) => name.replace(/_(bucket|count|sum)$/, '');

describe('the shipped dashboard and metric docs name only metrics the bot exports', () => {
  it('every dockhand_*, process_* and nodejs_* series in docs/grafana-dashboard.json exists', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(docs, 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    // the bot's own series, and the process ones under prom-client's standard names
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(dockhand|process|nodejs)_\w+/g)].map((m) => base(m[0]))));
    expect(used.length).toBeGreaterThan(10);
    const names = await exported();
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });

  it('docs/metrics.md documents every bot metric (process defaults aside), and nothing that does not exist', async () => {
    const doc = fs.readFileSync(path.join(docs, 'metrics.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/`(dockhand_[a-z_]+)`/g)].map((m) => m[1]!).filter((n) => !n.endsWith('_')));
    const names = [...(await exported())].filter((n) => n.startsWith('dockhand_'));
    expect(names.filter((n) => !documented.has(n))).toEqual([]);
    expect([...documented].map(base).filter((n) => !names.includes(n))).toEqual([]);
  });
});
