import { LESSON_IMAGES } from '../../images';
import type { ImageReport } from './import-types';
import { commandWords, logicalLines, parseDockerRun, simpleCommands } from './shell-words';

/** Everything the offline mirror serves, under the names learners type (src/images/image-catalog.ts). */
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
  /** Only for these tags (e.g. the Alpine variants), when given. */
  tag?: RegExp;
  /** Only when the scenario's text matches (e.g. it runs pip install), when given. */
  when?: RegExp;
  to: string;
  note: string;
  /** The substitute is wrong when the scenario relies on this (e.g. Alpine's package manager). */
  unsafeIf?: RegExp;
}

const APK = /\bapk\s+(add|update|upgrade)\b/;
const PIP_INSTALL = /\bpip3?\s+install\b/;

// Well-known Docker Hub images and the served image that stands in for them (tagged under the scenario's name);
// the first rule that fits a name wins.
const RULES: Rule[] = [
  { repo: /^nginx$/, tag: /alpine/, to: 'nginx:alpine', note: "Debian's nginx with curl and ping added, as nginx:alpine has them through busybox (not Alpine: no apk)" },
  { repo: /^nginx$/, to: 'nginx:latest', note: "Debian's nginx (same /usr/share/nginx/html root and port 80; no curl or ping inside: nginx:alpine has them)" },
  { repo: /^alpine$/, to: 'bash:latest', note: 'Debian bookworm-slim with bash, ping, wget and nc (no apk; /bin/sh is dash)', unsafeIf: APK },
  { repo: /^(debian|ubuntu)$/, to: 'debian:bookworm-slim', note: 'Debian bookworm-slim (apt needs the internet, which sandboxes do not have)' },
  { repo: /^bash$/, to: 'bash:latest', note: "Debian's bash 5.2 with ping, wget and nc (Docker Hub's is Alpine with busybox)", unsafeIf: APK },
  { repo: /^busybox$/, to: 'busybox:latest', note: "Debian's static busybox" },
  { repo: /^hello-world$/, to: 'hello-world:latest', note: 'the local hello-world' },
  {
    repo: /^python$/,
    when: PIP_INSTALL,
    to: 'python:3.11-bookworm',
    note: "Debian's Python 3.11 with pip and Flask preinstalled: `pip install flask` (and Flask's own dependencies) is satisfied offline, any other package needs PyPI",
    unsafeIf: APK,
  },
  { repo: /^python$/, to: 'python:3.11-slim', note: "Debian's Python 3.11 with Flask preinstalled (no pip, no PyPI)", unsafeIf: APK },
  {
    repo: /^postgres$/,
    to: 'postgres:15',
    note: "Debian's PostgreSQL 15, started like the official image (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB, /docker-entrypoint-initdb.d, port 5432, pg_isready); the version differs from the tag",
    unsafeIf: APK,
  },
  { repo: /^redis$/, to: 'redis:7.0', note: "Debian's Redis 7.0 on 6379 without protected mode, data in /data, redis-cli included; the version differs from the tag", unsafeIf: APK },
  { repo: /^registry$/, to: 'registry:2', note: 'Debian-built registry:2' },
];

/** What `pip install` is satisfied with offline in python:3.11-bookworm: Flask and its dependencies, from Debian. */
const PREINSTALLED_PIP = new Set(['flask', 'werkzeug', 'jinja2', 'itsdangerous', 'click', 'markupsafe', 'blinker', 'pip', 'setuptools', 'wheel']);

/** Packages the scenario installs with pip (arguments of `pip install` and requirements files it writes). */
export function pipPackages(allText: string): string[] {
  const names = new Set<string>();
  const add = (spec: string) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec.trim().replace(/^["']/, ''));
    if (m) names.add(m[1]!.toLowerCase().replace(/_/g, '-'));
  };
  for (const m of allText.matchAll(/\bpip3?\s+install\s+([^\n;&|]*)/g)) {
    const words = m[1]!.split(/\s+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (/^(-r|--requirement|-c|--constraint|-i|--index-url|--extra-index-url|-f|--find-links|-t|--target)$/.test(w)) i++;
      else if (!w.startsWith('-') && !w.includes('/') && !w.endsWith('.txt') && !w.startsWith('.')) add(w);
    }
  }
  // cat > requirements.txt <<EOF ... EOF
  for (const m of allText.matchAll(/requirements[\w.-]*\.txt\s*<<-?\s*['"]?(\w+)['"]?[^\n]*\n([\s\S]*?)\n\s*\1\s*$/gm)) {
    for (const line of m[2]!.split('\n')) if (line.trim() && !line.trim().startsWith('#') && !line.trim().startsWith('-')) add(line);
  }
  return [...names].sort();
}

export interface ImageScan {
  /** Image name -> where it was seen. */
  uses: Map<string, Set<string>>;
  /** Names the scenario builds, tags or commits itself. */
  local: Set<string>;
}

export const newImageScan = (): ImageScan => ({ uses: new Map(), local: new Set() });

/** `scratch` (no image at all) and placeholders from tips such as `image: image-name`. */
const NOT_AN_IMAGE = /^(scratch|(your|my)?[-_]?image[-_]?name|your[-_]image):/;

function use(scan: ImageScan, raw: string | undefined, where: string): void {
  const name = raw === undefined ? undefined : normalizeImage(raw);
  if (!name || isPrivateRegistry(name) || NOT_AN_IMAGE.test(name)) return;
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
export function mapImages(scan: ImageScan, allText: string): ImageReport & { notes: string[]; todos: string[] } {
  const report: ImageReport & { notes: string[]; todos: string[] } = { served: [], mapped: {}, unservable: [], notes: [], todos: [] };
  for (const [name, wheres] of [...scan.uses].sort(([a], [b]) => a.localeCompare(b))) {
    if (scan.local.has(name)) continue;
    if (SERVED_IMAGES.has(name)) {
      report.served.push(name);
      continue;
    }
    const repo = repoOf(name);
    const tag = name.slice(repo.length + 1);
    const rule = RULES.find((r) => r.repo.test(repo) && (!r.tag || r.tag.test(tag)) && (!r.when || r.when.test(allText)));
    const seen = [...wheres].slice(0, 3).join(', ');
    if (rule && !rule.unsafeIf?.test(allText)) {
      report.mapped[name] = rule.to;
      report.notes.push(`${name} (${seen}) is served as ${rule.to}, tagged ${name} in the first setup: ${rule.note}`);
    } else {
      report.unservable.push(name);
      const why = rule ? `; ${rule.to} cannot stand in (the scenario uses ${rule.unsafeIf!.exec(allText)![0].trim()})` : '';
      report.notes.push(`${name} (${seen}) is not served by the offline mirror${why}: add it to images/lessons (src/images/image-catalog.ts) or change the lesson`);
    }
  }
  if (Object.values(report.mapped).includes('python:3.11-bookworm')) {
    const missing = pipPackages(allText).filter((p) => !PREINSTALLED_PIP.has(p));
    if (missing.length) report.todos.push(`pip installs ${missing.join(', ')}: not preinstalled in python:3.11-bookworm, and PyPI is out of reach offline`);
  }
  return report;
}

/** The images: list of the manifest: what the lesson pulls from the mirror. */
export function manifestImages(report: ImageReport): string[] {
  return [...new Set([...report.served, ...Object.values(report.mapped)])].sort();
}
