/**
 * Image names in a failed pull's output: which image the learner asked for, and how the offline catalog reads
 * in one line. Pure text work, no Docker client.
 */

/** A reference as dockerd and BuildKit print it (`nginx:1.27`, `localhost:5000/x`, `docker.io/library/y:latest`). */
const REF = String.raw`[a-z0-9][a-z0-9._\-/:@]*`;

/** `docker.io/library/nginx:latest` -> `nginx:latest`: the name as a learner types it. */
export function shortName(ref: string): string {
  return ref.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/** Repository and tag (`latest` when none): `nginx` -> nginx, latest; `localhost:5000/x` -> localhost:5000/x, latest. */
export function repoAndTag(ref: string): { repo: string; tag: string } {
  const name = shortName(ref).split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? { repo: name.slice(0, colon), tag: name.slice(colon + 1) } : { repo: name, tag: 'latest' };
}

/** The registry a reference names (`localhost:5000` for `localhost:5000/x`), or undefined for Docker Hub. */
export function registryOf(ref: string): string | undefined {
  const first = shortName(ref).split('/')[0]!;
  return shortName(ref).includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
}

/** The image in `docker pull [options] IMAGE` (also `docker image pull`), if the command is one. */
function pulledByCommand(command: string): string | undefined {
  const m = /\bdocker\s+(?:image\s+)?pull\s+(.+)/.exec(command);
  if (!m) return undefined;
  const words = m[1]!.split(/[\s;&|]+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.replace(/^['"]|['"]$/g, '');
    if (w === '--platform') i++;
    else if (w && !w.startsWith('-')) return new RegExp(`^${REF}$`).test(w) ? w : undefined;
  }
  return undefined;
}

/**
 * The image a failed pull was for, as the learner typed it, from the lines dockerd, BuildKit, the classic builder
 * and Compose print; `service` when only a Compose service is named.
 */
export function failedImage(command: string, output: string): { image?: string; service?: string } {
  const from = (re: RegExp) => {
    const all = [...output.matchAll(re)];
    return all.length ? all[all.length - 1]![1] : undefined;
  };
  const image =
    from(new RegExp(`Unable to find image '(${REF})' locally`, 'g')) ??
    from(new RegExp(`manifest for (${REF}) not found`, 'g')) ??
    from(new RegExp(`pull access denied for (${REF}),`, 'g')) ??
    from(new RegExp(`(${REF}): failed to resolve source metadata`, 'g')) ??
    from(new RegExp(`^Step \\d+/\\d+ : FROM (${REF})`, 'gim')) ??
    pulledByCommand(command) ??
    (() => {
      const p = /^(\S+): Pulling from (\S+)$/m.exec(output);
      return p ? `${shortName(p[2]!)}:${p[1]}` : undefined;
    })();
  if (image) return { image: shortName(image) };
  const service = /^\s*✘ (\S+) Error\b/m.exec(output)?.[1];
  return service ? { service } : {};
}

/** The catalog in one line: `hello-world, nginx (latest, alpine), python (3.11-slim, 3.11)`; `:latest` alone is left out. */
export function offlineList(names: readonly string[]): string {
  const tags = new Map<string, string[]>();
  for (const n of names) {
    const { repo, tag } = repoAndTag(n);
    tags.set(repo, [...(tags.get(repo) ?? []), tag]);
  }
  return [...tags].map(([repo, t]) => (t.length === 1 && t[0] === 'latest' ? repo : `${repo} (${t.join(', ')})`)).join(', ');
}

/** Tags the catalog holds for the same repository (`nginx:no-such-tag` -> latest, alpine). */
export function otherTags(image: string, names: readonly string[]): string[] {
  const { repo } = repoAndTag(image);
  return names.map(repoAndTag).filter((n) => n.repo === repo).map((n) => n.tag);
}

/** Whether the catalog holds this exact name (tag `latest` when none is given). */
export function inCatalog(image: string, names: readonly string[]): boolean {
  const want = repoAndTag(image);
  return names.some((n) => {
    const have = repoAndTag(n);
    return have.repo === want.repo && have.tag === want.tag;
  });
}
