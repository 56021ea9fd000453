import { commandWords, logicalLines, simpleCommands } from './shell-words';

/**
 * Scenarios' Solution sections often end by undoing the step ("Scale down to 2 instances", "Stop all services:
 * `docker-compose down`") although the step's task never asks for it, while the step's check reads the state those
 * last commands undo: on Killercoda, too, a learner who follows the Solution to its end fails the check
 * (killercoda/scenarios-docker `docker-compose-basics` step 4). Such a trailing teardown is left out of the derived
 * solution, and reported, unless the step's own text asks for it.
 */

const COMPOSE_TEARDOWN = new Set(['down', 'stop', 'rm', 'kill', 'pause']);
const DOCKER_TEARDOWN = new Set(['stop', 'rm', 'kill', 'rmi', 'pause']);
const OBJECT_TEARDOWN = new Set(['rm', 'remove', 'prune', 'stop', 'kill', 'disconnect']);

/** The scale each `--scale SERVICE=N` of a command asks for. */
function scales(w: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [i, x] of w.entries()) {
    const m = /^--scale(?:=|$)(.*)/.exec(x);
    const value = m ? m[1] || w[i + 1] : undefined;
    const kv = value ? /^([\w.-]+)=(\d+)$/.exec(value) : null;
    if (kv) out.set(kv[1]!, Number(kv[2]));
  }
  return out;
}

/** The compose subcommand (`docker compose -f x.yml down` -> down), or undefined for other commands. */
function composeVerb(w: string[]): string | undefined {
  const rest = w[0] === 'docker-compose' ? w.slice(1) : w[0] === 'docker' && w[1] === 'compose' ? w.slice(2) : undefined;
  if (!rest) return undefined;
  for (let i = 0; i < rest.length; i++) {
    if (!rest[i]!.startsWith('-')) return rest[i];
    if (/^(-f|--file|-p|--project-name|--env-file|--profile|--project-directory)$/.test(rest[i]!)) i++;
  }
  return undefined;
}

/** True when the command undoes something: stops or removes, or scales a service below what `before` scaled it to. */
function undoes(w: string[], scaledTo: Map<string, number>): boolean {
  const verb = composeVerb(w);
  if (verb !== undefined) {
    if (COMPOSE_TEARDOWN.has(verb)) return true;
    const asked = scales(w);
    return asked.size > 0 && [...asked].some(([s, n]) => n < (scaledTo.get(s) ?? 0));
  }
  if (w[0] !== 'docker') return false;
  if (DOCKER_TEARDOWN.has(w[1] ?? '')) return true;
  if (w[1] === 'system' && w[2] === 'prune') return true;
  return ['container', 'network', 'volume', 'image'].includes(w[1] ?? '') && OBJECT_TEARDOWN.has(w[2] ?? '');
}

const commandsOf = (entry: string) =>
  logicalLines(entry)
    .filter((l) => l.text.trim() && !/^\s*#/.test(l.text))
    .flatMap((l) => simpleCommands(l.text))
    .map((c) => commandWords(c.text))
    .filter((w) => w.length > 0 && !(w[0] === 'cd' || w[0] === 'echo'));

/** Words in the step's task that ask for a teardown itself. */
const ASKS_TEARDOWN = /\b(stop|remove|delete|clean(?:\s|-)?up|tear(?:\s|-)?down|take\s+down|scale\s+(?:it\s+)?(?:down|back)|shut\s*down)\b|\b(?:docker-compose|docker\s+compose)\b[^\n`]*\bdown\b/i;

/**
 * How many entries at the end of `entries` only undo what the solution did before them. `task` is the step's text
 * outside its Solution and dropdowns: when it asks for a teardown, nothing is cut.
 */
export function trailingTeardown(entries: readonly string[], task: string): number {
  if (ASKS_TEARDOWN.test(task)) return 0;
  const scaledTo = new Map<string, number>();
  const undoing: boolean[] = [];
  for (const entry of entries) {
    const cmds = commandsOf(entry);
    undoing.push(cmds.length > 0 && cmds.every((w) => undoes(w, scaledTo)));
    for (const w of cmds) for (const [s, n] of scales(w)) scaledTo.set(s, n);
  }
  let n = 0;
  while (n < entries.length && undoing[entries.length - 1 - n]) n++;
  // a solution that only undoes is a clean-up step: its check wants exactly that
  return n === entries.length ? 0 : n;
}
