import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BotMetrics } from '../../src/ops/metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const RULES = path.join(ROOT, 'docs', 'prometheus-rules.yaml');

interface Rule {
  alert?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Series Prometheus makes itself for every scrape target: not the bot's to export. */
const PROMETHEUS_OWN = new Set(['up']);
// binary and grouping keywords, and aggregation operators (written `sum by (le) (...)`, not always followed by a parenthesis)
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and other strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1') // grouping label lists
    .replace(/\[[^\]]*\]/g, ''); // range and subquery durations
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter((m) => !m[2] && !KEYWORDS.has(m[1]!)).map((m) => m[1]!);
}

const exportedSeries = async () => {
  const text = await new BotMetrics().text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\w+)/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name!}${suffix}`);
  }
  return names;
};

describe('docs/prometheus-rules.yaml', () => {
  const doc = parse(fs.readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);

  it('parses as Prometheus rule groups of alerts, each with an expression, a severity and a summary', () => {
    expect(doc.groups.map((g) => g.name)).toEqual(['dockhand']);
    expect(rules.length).toBeGreaterThanOrEqual(7);
    for (const r of rules) {
      expect(r).toMatchObject({ alert: expect.stringMatching(/^Dockhand[A-Z]\w+$/), expr: expect.any(String), labels: { severity: expect.stringMatching(/^(critical|warning)$/) } });
      expect(r.annotations?.summary).toEqual(expect.any(String));
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it("names only metrics the bot exports (read from its registry), besides Prometheus's own `up`", async () => {
    const exported = await exportedSeries();
    const used = rules.flatMap((r) => metricNames(r.expr as string));
    expect(used.length).toBeGreaterThanOrEqual(rules.length);
    expect(used.filter((n) => !exported.has(n) && !PROMETHEUS_OWN.has(n))).toEqual([]);
  });

  it('holds exactly the alerts docs/metrics.md describes, with the same expressions', () => {
    const prose = fs.readFileSync(path.join(ROOT, 'docs', 'metrics.md'), 'utf8').split('## Alerts')[1]!.split('\n## ')[0]!;
    const described = [...prose.matchAll(/^- \*\*(\w+)\*\*: `([^`]+)`/gm)].map((m) => `${m[1]!}: ${m[2]!}`);
    expect(described.sort()).toEqual(rules.map((r) => `${r.alert!}: ${(r.expr as string).trim()}`).sort());
  });

  it('reads metric names out of an expression, leaving labels, functions and strings aside', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(a_bucket{outcome="ok"}[5m]))) > 10')).toEqual(['a_bucket']);
    expect(metricNames('up{job="x"} == 0 and on(instance) b_total unless c')).toEqual(['up', 'b_total', 'c']);
    expect(metricNames('rate(d{event=~"crashed|oom-killed"}[10m]) > 0.1')).toEqual(['d']);
  });
});
