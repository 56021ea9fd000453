import { LESSON_IMAGES } from '../../images';
import { failedImage, inCatalog, offlineList, otherTags, registryOf } from './pull-failure-names';

/**
 * A failed image pull in a command's output, told in one line: which image, the likeliest cause, what to do.
 * dockerd's own lines (`Get "https://registry-1.docker.io/v2/": dial tcp: lookup ... operation not permitted`) say
 * nothing a learner can act on, and a sandbox without internet makes every miss look like a network fault.
 * Only the lines dockerd, BuildKit, the classic builder and Compose print for a failure are read, so a learner's
 * own program printing "error" or "not found" is never taken for one.
 */

/** The names learners may type that the offline mirror serves (the lesson stand-ins). */
export const OFFLINE_IMAGE_NAMES: readonly string[] = LESSON_IMAGES.flatMap((i) => i.names);

export type PullFailureCause = 'offline-missing' | 'registry-down' | 'private' | 'not-found' | 'rate-limited' | 'cut-off';

// A layer's progress line (`13abacd2e103: Downloading`), or the start of a pull.
const PROGRESS = /^(?:\S+: Pulling from \S+|[0-9a-f]{12}: (?:Pulling fs layer|Waiting|Downloading|Retrying|Verifying|Download complete|Extracting|Pull complete|Already exists))/;
// The lines that carry a failure: the daemon's, BuildKit's, Compose's.
const ERROR_LINE = /^(?:docker: )?Error response from daemon: |^(?:ERROR: )?failed to solve: |^✘ \S+ Error\b|^error pulling image configuration: /;
// What a pull cut short prints right after its progress lines.
const BARE_AFTER_PROGRESS = /^(?:unexpected EOF|.*connection reset by peer|.*: i\/o timeout|toomanyrequests: .*)$/;

/** The lines of `output` that report a pull failure (empty when there are none). */
export function pullErrorLines(output: string): string[] {
  const lines = output.split(/\r?\n/).map((l) => l.trim());
  const found: string[] = [];
  lines.forEach((l, i) => {
    // A cut pull ends its progress lines with the bare error; after `Status: Downloaded`, the lines are the container's.
    const pulling = i > 0 && PROGRESS.test(lines[i - 1]!);
    // The classic builder prints the daemon's error bare, on the line after `Step 1/2 : FROM x`; a push after its first line.
    const afterFrom = i > 0 && /^Step \d+\/\d+ : FROM |^The push refers to repository \[/i.test(lines[i - 1]!) && !PROGRESS.test(l) && !l.startsWith('--->');
    if (ERROR_LINE.test(l) || afterFrom || (pulling && BARE_AFTER_PROGRESS.test(l))) found.push(l);
  });
  return found;
}

const HUB_HOST = /\b(?:registry-1|auth|index)\.docker\.io\b/;
const NET_FAULT = /no such host|operation not permitted|i\/o timeout|network is unreachable|server misbehaving|connection refused|no route to host|temporary failure/i;
const UNREACHABLE = /dial tcp (\S+?): (?:connect: )?(?:connection refused|i\/o timeout|no route to host|network is unreachable)/;

/** Why the pull failed, from the failure lines; undefined when they are not a pull's. */
export function pullFailureCause(lines: readonly string[]): { cause: PullFailureCause; host?: string } | undefined {
  const text = lines.join('\n');
  if (!text) return undefined;
  if (/toomanyrequests|429 Too Many Requests|pull rate limit/i.test(text)) return { cause: 'rate-limited' };
  if (/pull access denied|may require 'docker login'|may require authorization|requested access to the resource is denied|insufficient_scope|401 Unauthorized/i.test(text)) return { cause: 'private' };
  if (/manifest unknown|manifest for \S+ not found|: not found$|name unknown|repository does not exist/im.test(text)) return { cause: 'not-found' };
  if (/unexpected EOF|connection reset by peer|broken pipe/i.test(text)) return { cause: 'cut-off' };
  if (HUB_HOST.test(text) && NET_FAULT.test(text)) return { cause: 'offline-missing' };
  const down = UNREACHABLE.exec(text);
  if (down) {
    // The name the learner typed (`localhost:5001`) rather than the address dialled, when the request line has it.
    const asked = /(?:Get|Head) "https?:\/\/([^/"]+)\//.exec(text)?.[1];
    return { cause: 'registry-down', host: asked ?? down[1]! };
  }
  return undefined;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const sameRegistry = (a: string, b: string) => a.replace(/^(?:localhost|127\.0\.0\.1)(?=:|$)/, 'loopback') === b.replace(/^(?:localhost|127\.0\.0\.1)(?=:|$)/, 'loopback');

/**
 * The one line to show after a command whose output shows a failed image pull, or undefined when it shows none.
 * `offline` is the list of names the mirror serves (the lesson stand-ins), named when an image is missing;
 * `cached` says the mirror is a pull-through cache of a real registry (MIRROR_UPSTREAM), not the offline stand-ins.
 */
export function pullFailureLine(command: string, output: string, offline: readonly string[] = OFFLINE_IMAGE_NAMES, cached = false): string | undefined {
  const found = pullFailureCause(pullErrorLines(output));
  if (!found) return undefined;
  const { image, service } = failedImage(command, output);
  // Login, search and push talk to a registry without pulling: only whether it answered matters to them.
  const hubOnly = /\bdocker\s+(?:login|search|push|image\s+push)\b/.exec(command);
  if (hubOnly && found.cause === 'offline-missing')
    return `Sandboxes here have no internet, so Docker Hub cannot be reached for \`docker ${hubOnly[0].split(/\s+/).pop()}\`. A registry of your own works: \`docker run -d -p 5000:5000 registry:2\`.`;
  const what = image ? code(image) : service ? `The image of service ${code(service)}` : 'That image';
  const available = `Images available offline: ${offlineList(offline)}.`;
  switch (found.cause) {
    case 'offline-missing': {
      // A pull-through cache answers "unknown" for whatever the upstream refused (missing, private or rate-limited)
      // and drops the reason; the sandbox's fallback to Docker Hub is then refused like any miss.
      if (cached && !hubOnly)
        return `${what} could not be pulled through this host's image cache: the registry has no such public image, it is private, or its pull limit was reached. Check the name and the tag, or try again later.`;
      if (image && inCatalog(image, offline))
        return `${what} is one of the offline images, but the image mirror did not answer: try again in a minute, and if it keeps failing tell whoever runs Dockhand.`;
      const tags = image ? otherTags(image, offline) : [];
      const hint = tags.length ? ` Tags of it here: ${tags.join(', ')}.` : ` ${available}`;
      return `${what} is not on this host's image mirror, and sandboxes here have no internet to fetch it.${hint}`;
    }
    case 'registry-down': {
      const own = image ? registryOf(image) : undefined;
      if (own && found.host && sameRegistry(own, found.host))
        return `Nothing answers at ${code(own)}, the registry ${what} names: is that registry running? (\`docker ps\` shows it)`;
      // A host the learner typed is theirs; the mirror's address never appears in a command.
      if (found.host && command.includes(found.host)) return `Nothing answers at ${code(found.host)}: is that registry running? (\`docker ps\` shows it)`;
      return `The image mirror did not answer while pulling ${image ? code(image) : 'that image'}: try again in a minute, and if it keeps failing tell whoever runs Dockhand.`;
    }
    case 'private':
      return `${what} is private or does not exist: the registry wants a login for it, and sandboxes have no account there. Check the spelling, or use a public image.`;
    case 'not-found': {
      const tags = image ? otherTags(image, offline) : [];
      return `${what} was not found: check the name and the tag.${tags.length ? ` Tags of it here: ${tags.join(', ')}.` : ''}`;
    }
    case 'rate-limited':
      return `Docker Hub refused ${image ? code(image) : 'that pull'} for now: this host reached its pull rate limit. Try again later; images already here still work. ${available}`;
    case 'cut-off':
      return `The download of ${image ? code(image) : 'that image'} was cut off halfway (the connection dropped): run the same command again; the layers already downloaded are kept.`;
  }
}
