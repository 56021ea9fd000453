import { LESSON_IMAGES } from '../../sandbox/images';
import type { ImageReport } from './import-types';
import { commandWords, logicalLines, parseDockerRun, simpleCommands } from './shell-words';

/** Everything the offline mirror serves, under the names learners type (src/sandbox/images.ts). */
export const SERVED_IMAGES: ReadonlySet<string> = new Set(LESSON_IMAGES.flatMap((i) => i.names));

/** Docker Hub spelling: `docker.io/library/nginx` -> `nginx:latest`; undefined for names that are not images. */
export function normalizeImage(raw: string): string | undefined {
  let name = raw.trim().replace(/^["']|["']$/g, '');
  if (!name || /[${}<>*]/.test(name) || name.startsWith('-') || name.includes('@')) return undefined;
  if (!/^[a-z0-9][a-z0-9._\-/:]*$/i.test(name)) return undefined;
  name = name.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  const slash = name.lastIndexOf('/');
  return name.lastIndexOf(':') > slash ? name.toLowerCase() : `${name.toLowerCase()}:latest`;
}

const repoOf = (name: string) => name.slice(0, name.lastIndexOf(':'));
/** `host:port/x` or `localhost/x`: a registry the scenario runs itself, not Docker Hub. */
const isPrivateRegistry = (name: string) => /^[^/]+[:.][^/]*\//.test(name) || name.startsWith('localhost/');

interface Rule {
  repo: RegExp;
  to: string;
  note: string;
  /** The substitute is wrong when the scenario relies on this (e.g. Alpine's package manager). */
  unsafeIf?: RegExp;
}

// Well-known Docker Hub images and the served image that stands in for them (tagged under the scenario's name).
const RULES: Rule[] = [
  { repo: /^nginx$/, to: 'nginx:latest', note: "Debian's nginx (same /usr/share/nginx/html root and port 80; no curl or wget inside, unlike nginx:alpine)" },
  { repo: /^alpine$/, to: 'debian:bookworm-slim', note: 'Debian bookworm-slim (no apk; /bin/sh is dash; no wget or ping)', unsafeIf: /\bapk\s+(add|update|upgrade)\b/ },
  { repo: /^(debian|ubuntu)$/, to: 'debian:bookworm-slim', note: 'Debian bookworm-slim (apt needs the internet, which sandboxes do not have)' },
  { repo: /^bash$/, to: 'debian:bookworm-slim', note: 'Debian bookworm-slim (has bash)' },
  { repo: /^busybox$/, to: 'busybox:latest', note: "Debian's static busybox" },
  { repo: /^hello-world$/, to: 'hello-world:latest', note: 'the local hello-world' },
  { repo: /^python$/, to: 'python:3.11-slim', note: "Debian's Python 3.11 with Flask preinstalled (no pip, no PyPI)", unsafeIf: /\bpip3?\s+install\b/ },
  { repo: /^registry$/, to: 'registry:2', note: 'Debian-built registry:2' },
];

export interface ImageScan {
  /** Image name -> where it was seen. */
  uses: Map<string, Set<string>>;
  /** Names the scenario builds, tags or commits itself. */
  local: Set<string>;
}

export const newImageScan = (): ImageScan => ({ uses: new Map(), local: new Set() });

function use(scan: ImageScan, raw: string | undefined, where: string): void {
  const name = raw === undefined ? undefined : normalizeImage(raw);
  if (!name || isPrivateRegistry(name)) return;
  if (!scan.uses.has(name)) scan.uses.set(name, new Set());
  scan.uses.get(name)!.add(where);
}

function local(scan: ImageScan, raw: string | undefined): void {
  const name = raw === undefined ? undefined : normalizeImage(raw);
  if (name) scan.local.add(name);
}

/** Images in shell text: `docker run/create/pull`, `docker build -t`/`tag`/`commit` (local), Dockerfile `FROM`, compose `image:`. */
export function scanText(scan: ImageScan, text: string, where: string): void {
  const stages = new Set<string>();
  for (const m of text.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+(?:AS|as)\s+(\S+))?/gm)) {
    if (m[2]) stages.add(m[2].toLowerCase());
    const from = m[1]!.toLowerCase();
    if (from !== 'scratch' && !stages.has(from) && !/^\d+$/.test(from)) use(scan, from, where);
  }
  for (const m of text.matchAll(/^\s*(?:-\s*)?image:\s*["']?([^"'\s#]+)/gm)) use(scan, m[1], where);
  for (const line of logicalLines(text)) {
    for (const c of simpleCommands(line.text)) {
      const w = commandWords(c.text);
      if (w[0] !== 'docker') continue;
      const run = parseDockerRun(w);
      if (run) use(scan, run.image, where);
      else if (w[1] === 'pull' || (w[1] === 'image' && w[2] === 'pull')) use(scan, w.find((x, k) => k > 1 && !x.startsWith('-') && x !== 'pull'), where);
      else if (w[1] === 'tag' || (w[1] === 'image' && w[2] === 'tag')) local(scan, w.filter((x) => !x.startsWith('-')).at(-1));
      else if (w[1] === 'commit') local(scan, w.filter((x) => !x.startsWith('-')).at(-1));
      else if (w[1] === 'build' || (w[1] === 'image' && w[2] === 'build') || (w[1] === 'buildx' && w[2] === 'build')) {
        w.forEach((x, k) => {
          if ((x === '-t' || x === '--tag') && w[k + 1]) local(scan, w[k + 1]);
          else if (x.startsWith('--tag=')) local(scan, x.slice(6));
        });
      }
    }
  }
}

/** Prose such as "use the `nginx:alpine` image" or "`bash` as base". */
export function scanProse(scan: ImageScan, md: string, where: string): void {
  for (const m of md.matchAll(/`([a-z0-9][\w./-]*(?::[\w.-]+)?)`\s+(?:image|as (?:a |the )?base)\b/gi)) use(scan, m[1], where);
  for (const m of md.matchAll(/\b(?:image|base image)\s+`([a-z0-9][\w./-]*(?::[\w.-]+)?)`/gi)) use(scan, m[1], where);
}

/** Maps every external image onto what the mirror serves; `allText` decides whether a substitute is safe. */
export function mapImages(scan: ImageScan, allText: string): ImageReport & { notes: string[] } {
  const report: ImageReport & { notes: string[] } = { served: [], mapped: {}, unservable: [], notes: [] };
  for (const [name, wheres] of [...scan.uses].sort(([a], [b]) => a.localeCompare(b))) {
    if (scan.local.has(name)) continue;
    if (SERVED_IMAGES.has(name)) {
      report.served.push(name);
      continue;
    }
    const rule = RULES.find((r) => r.repo.test(repoOf(name)));
    const seen = [...wheres].slice(0, 3).join(', ');
    if (rule && !rule.unsafeIf?.test(allText)) {
      report.mapped[name] = rule.to;
      report.notes.push(`${name} (${seen}) is served as ${rule.to}, tagged ${name} in the first setup: ${rule.note}`);
    } else {
      report.unservable.push(name);
      const why = rule ? `; ${rule.to} cannot stand in (the scenario uses ${rule.unsafeIf!.exec(allText)![0].trim()})` : '';
      report.notes.push(`${name} (${seen}) is not served by the offline mirror${why}: add it to images/lessons (src/sandbox/images.ts) or change the lesson`);
    }
  }
  return report;
}

/** The images: list of the manifest: what the lesson pulls from the mirror. */
export function manifestImages(report: ImageReport): string[] {
  return [...new Set([...report.served, ...Object.values(report.mapped)])].sort();
}
