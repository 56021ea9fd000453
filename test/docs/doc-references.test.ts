import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The docs name files, folders and functions a reader will look for; a move that forgets them leaves a
 * newcomer lost. Every `path/like/this.ts` cited in code spans must exist, every relative link must resolve,
 * and in docs/architecture.md every `symbol` cited beside a file must be defined in that file.
 */
const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['README.md', 'lessons/README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const CITED_ROOTS = /^(src|test|scripts|bench|lessons|images|prisma|docs|\.ci)\//;

/** `a/{b,c}.ts` -> a/b.ts, a/c.ts (one brace group, as the docs write them). */
export function expandBraces(p: string): string[] {
  const m = /^(.*)\{([^}]+)\}(.*)$/.exec(p);
  return m ? m[2]!.split(',').flatMap((alt) => expandBraces(`${m[1]}${alt}${m[3]}`)) : [p];
}

/** Paths cited in code spans: `src/x.ts`, `test/y/`, `src/x.ts:42`, `src/x.ts` (`fn`)... */
export function citedPaths(markdown: string): string[] {
  const out: string[] = [];
  for (const [, span] of markdown.matchAll(/`([^`\n]+)`/g)) {
    const candidate = span!.trim().replace(/:\d+(-\d+)?$/, '');
    if (!CITED_ROOTS.test(candidate) || /\s|\*|<|\$/.test(candidate)) continue;
    out.push(...expandBraces(candidate));
  }
  return out;
}

/**
 * In a list item, each `identifier` after a cited `file.ts` must occur in that file (so a rename or move that
 * forgets the docs fails): returns the pairs that do not.
 */
export function staleSymbols(markdown: string, read: (file: string) => string | undefined): string[] {
  const stale: string[] = [];
  for (const item of markdown.split(/\n(?=\s*(?:\d+\.|-) )/)) {
    if (!/^\s*(\d+\.|-) /.test(item)) continue;
    let file: string | undefined;
    for (const [, span] of item.matchAll(/`([^`\n]+)`/g)) {
      if (/^(src|test)\/[\w./-]+\.ts$/.test(span!)) file = span;
      else if (file && /^[A-Za-z_$][\w$]*$/.test(span!)) {
        const text = read(file);
        if (text === undefined || !new RegExp(`(^|[^\\w$])${span!.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(text)) stale.push(`${file} ${span}`);
      }
    }
  }
  return stale;
}

export function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^(https?:|mailto:|#)/.test(l));
}

describe('what the docs cite exists', () => {
  it('the helpers find paths, braces and links (so the checks below would see a stale one)', () => {
    expect(citedPaths('see `src/sandbox/{index,types}.ts` and `test/x.test.ts:12`, not `npm test` or `src/*.ts`')).toEqual(['src/sandbox/index.ts', 'src/sandbox/types.ts', 'test/x.test.ts']);
    expect(relativeLinks('[a](docs/a.md#x) [b](https://x.y) [c](#here)')).toEqual(['docs/a.md#x']);
  });

  it.each(DOCS)('%s: every cited path exists', (doc) => {
    const missing = citedPaths(readFileSync(path.join(ROOT, doc), 'utf8')).filter((p) => !existsSync(path.join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it('the symbol check flags a name its file does not hold', () => {
    const files: Record<string, string> = { 'src/a.ts': 'export function openTurn() {}' };
    expect(staleSymbols('1. `src/a.ts` `openTurn` then `closeTurn`\n2. `src/b.ts` `x`', (f) => files[f])).toEqual(['src/a.ts closeTurn', 'src/b.ts x']);
  });

  it('docs/architecture.md: the walk and the how-tos name functions that exist in the files they cite', () => {
    const read = (f: string) => (existsSync(path.join(ROOT, f)) ? readFileSync(path.join(ROOT, f), 'utf8') : undefined);
    expect(staleSymbols(readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'), read)).toEqual([]);
  });

  it.each(DOCS)('%s: every relative link resolves', (doc) => {
    const dir = path.dirname(path.join(ROOT, doc));
    const missing = relativeLinks(readFileSync(path.join(ROOT, doc), 'utf8')).filter((l) => {
      const file = l.split('#')[0]!;
      return file !== '' && !existsSync(path.resolve(dir, file));
    });
    expect(missing).toEqual([]);
  });
});
