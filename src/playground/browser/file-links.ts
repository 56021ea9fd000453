/** Which parts of a step's text name a file (see step-links.ts); no DOM here, so the unit tests run it. */
const FULL_PATH = /(?<![\w/.~-])(?:~|\/root|\/home|\/srv|\/opt|\/tmp)\/[^\s`'"$*?;|&<>(){}\\]*[^\s`'"$*?;|&<>(){}\\/.,:]/g;
const BARE_NAME = /`([A-Za-z0-9_][A-Za-z0-9_.-]*\.[A-Za-z][A-Za-z0-9]*|Dockerfile|Containerfile)`/g;

const absolute = (p: string, home: string) => (p.startsWith('~') ? home + p.slice(1) : p);

/** Where each link of the text goes: [start, end, path] in text order. */
export function fileLinks(text: string, home: string, context: string): [number, number, string][] {
  const full = [...context.matchAll(FULL_PATH)].map((m) => absolute(m[0], home));
  const links: [number, number, string][] = [];
  for (const m of text.matchAll(FULL_PATH)) links.push([m.index, m.index + m[0].length, absolute(m[0], home)]);
  if (full.length) {
    const folder = full[0]!.slice(0, full[0]!.lastIndexOf('/'));
    for (const m of text.matchAll(BARE_NAME)) {
      const name = m[1]!;
      const path = full.find((p) => p.endsWith(`/${name}`)) ?? `${folder}/${name}`;
      links.push([m.index + 1, m.index + 1 + name.length, path]);
    }
  }
  return links.sort((a, b) => a[0] - b[0]).filter((l, i, all) => i === 0 || l[0] >= all[i - 1]![1]);
}
