import type { SolutionSource } from './import-types';
import { findCodeBlocks, findDetails, findSolution, proseBetween, withoutRegions, type CodeBlock, type Region } from './markdown-blocks';
import { reviewEntry } from './risky-commands';
import { SSH_NODE, commandWords, parseSsh } from './shell-words';
import { shellPath, sq } from './scenario-scripts';
import { trailingTeardown } from './solution-teardown';

/**
 * A step's solution comes from the scenario itself, in this order: a legacy Katacoda `answer`
 * file, the text's Solution dropdown/section, then the `{{exec}}` blocks of the text in order. Nothing is invented:
 * code that is not marked runnable is only used when it clearly is a command or a file the prose names, and that
 * (like every rewritten or dropped command) is reported.
 */

export interface DerivedSolution {
  commands: string[];
  source: SolutionSource;
  todos: string[];
  infos: string[];
  /** A kept command may not end on its own (the step gets a shorter solution timeout). */
  mayBlock: boolean;
}

const COMMANDS = new Set(
  ('docker docker-compose podman kubectl helm cat echo printf curl wget cd ls mkdir touch rm rmdir cp mv chmod chown ln git apt apt-get apk ' +
    'sed awk grep egrep export sudo systemctl service ping tar find useradd usermod userdel groupadd passwd id whoami pwd head tail less more ' +
    'stat sleep python python3 pip pip3 npm node bash sh source . for while if tee diff kill killall ps env ssh scp rsync nc dig nslookup ' +
    'ip hostname date uname df du free top history clear exit vi vim nano make go crontab journalctl unzip zip base64 openssl jq tree ' +
    'watch timeout true false test [ wc sort uniq cut tr xargs nohup umask getent mount umount lsblk').split(' '),
);

const stripPrompt = (code: string) => code.split('\n').map((l) => l.replace(/^\s*[$#]\s(?=\S)/, (m) => (m.trim() === '$' ? '' : m))).join('\n');

/** True when the first real line starts with something a shell runs (not a Dockerfile, YAML, HTML or JSON). */
export function looksLikeCommand(code: string): boolean {
  const first = stripPrompt(code).split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (!first) return false;
  const word = first.split(/\s+/)[0]!.replace(/^sudo$/, 'sudo');
  return COMMANDS.has(word) || /^(\.{0,2}\/)[\w./-]+$/.test(word) || /^[A-Za-z_]\w*=\S*$/.test(word);
}

/** Lines before an `OR` line: the scenario offers alternatives and one is enough. */
function firstAlternative(code: string): { code: string; cut: boolean } {
  const lines = code.split('\n');
  const at = lines.findIndex((l) => /^\s*(or|oder)\s*:?\s*$/i.test(l));
  return at > 0 ? { code: lines.slice(0, at).join('\n').trimEnd(), cut: true } : { code, cut: false };
}

const FAILS = /\b(should|will|must|expected to|expect it to)\b[^.]{0,40}\b(fail|error|not (work|succeed|be able)|be (denied|refused|rejected))|\bshould (see|get|expect) an error\b|\bit fails\b/i;

/** A request that only reads (curl, wget, ping, nc), run directly, in a container with `docker exec` or on a node with `ssh`. */
const PROBE = /^\s*(docker\s+(container\s+)?exec\s+(-\S+\s+)*[\w.-]+\s+(sh\s+-c\s+['"]?)?|ssh\s+(\S+\s+)+?['"]?)?(curl|wget|ping|nc)\b/;
const isProbe = (entry: string) => entry.split('\n').every((l) => !l.trim() || PROBE.test(l));

/** A tip of the step says some request will fail ("You should expect an error message ... upon making request"). */
function tipsExpectFailure(md: string): boolean {
  return findDetails(md)
    .filter((r) => r.kind === 'tip')
    .some((r) => FAILS.test(md.slice(r.bodyStart, r.end)));
}

/** The file a non-command block is meant for: the last path or file name the prose before it mentions. */
function fileNamedIn(prose: string, content: string): { path: string; append: boolean } | undefined {
  const names = [...prose.matchAll(/`([~\w./-]*(?:\/[\w.-]+|Dockerfile|\.[a-z]{1,5}))`|\b((?:~|\/)[\w./-]+|Dockerfile|docker-compose\.ya?ml|[\w-]+\.(?:ya?ml|json|conf|txt|py|js|html|sh|toml|ini|env))\b/g)]
    .map((m) => m[1] ?? m[2])
    .filter((n): n is string => !!n && !/^\.+$/.test(n));
  const path = names.at(-1);
  if (!path) return undefined;
  // "add/append a line" appends; "modify X" followed by a line or two appends too, by a whole file (FROM ...) replaces
  const wholeDockerfile = /^FROM\s/m.test(content);
  const short = content.trim().split('\n').length <= 2;
  const append = !wholeDockerfile && !/\b(create|new|replace|rewrite|overwrite)\b/i.test(prose) && (/\b(add|append)\b/i.test(prose) || (short && /\b(modify|update|edit|change)\b/i.test(prose)));
  return { path, append };
}

const heredoc = (path: string, append: boolean, content: string) => {
  let tag = 'EOF';
  while (content.split('\n').some((l) => l.trim() === tag)) tag = `${tag}_`;
  return `cat ${append ? '>>' : '>'} ${shellPath(path)} <<'${tag}'\n${content.replace(/\n+$/, '')}\n${tag}`;
};

function candidates(md: string, source: SolutionSource, from = 0, to = md.length): CodeBlock[] {
  const tips = findDetails(md).filter((r) => r.kind === 'tip');
  return findCodeBlocks(md).filter((b) => {
    if (b.start < from || b.end > to) return false;
    if (source === 'exec-blocks') return (b.action === 'exec' || b.action === 'file') && !tips.some((t) => b.start >= t.start && b.end <= t.end);
    if (source === 'answer') return true;
    return !b.inline || b.action === 'exec' || b.action === 'copy';
  });
}

const commandLines = (code: string) =>
  stripPrompt(code)
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l && !l.startsWith('#'));

/**
 * The `{{exec}}` blocks of the text before its Solution section whose commands the section does not repeat, e.g.
 * "First, stop the previous services: `docker compose down`{{exec}}" ahead of a Solution for the rest: a learner
 * clicks them as part of the step, so they run before the section's commands.
 */
function leadingExecBlocks(md: string, solutionStart: number, solution: CodeBlock[]): CodeBlock[] {
  const repeated = new Set(solution.flatMap((b) => commandLines(b.code)));
  return candidates(md, 'exec-blocks', 0, solutionStart).filter((b) => b.action === 'exec' && commandLines(b.code).some((l) => !repeated.has(l)));
}

export function deriveSolution(input: { answer?: string; body: string }, localImages: ReadonlySet<string>): DerivedSolution {
  let md = input.body;
  let source: SolutionSource = 'none';
  let blocks: CodeBlock[] = [];
  let lead: CodeBlock[] = [];
  let section: Region | undefined;
  if (input.answer !== undefined) {
    md = input.answer;
    blocks = candidates(md, 'answer');
    if (blocks.some((b) => !b.inline)) blocks = blocks.filter((b) => !b.inline);
    if (blocks.length) source = 'answer';
  }
  if (source === 'none') {
    md = input.body;
    const region = findSolution(md);
    blocks = region ? candidates(md, 'solution-section', region.bodyStart, region.end) : [];
    if (blocks.length && region) {
      source = 'solution-section';
      section = region;
      lead = leadingExecBlocks(md, region.start, blocks);
      blocks = [...lead, ...blocks];
    } else {
      blocks = candidates(md, 'exec-blocks');
      if (blocks.length) source = 'exec-blocks';
    }
  }
  const out: DerivedSolution = { commands: [], source, todos: [], infos: [], mayBlock: false };
  for (const b of lead) out.infos.push(`\`${b.code.trim().split('\n')[0]}\` is an {{exec}} block of the step's text that its Solution section does not repeat; it runs first`);
  let serverStarted = false;
  const probesMayFail = source !== 'answer' && tipsExpectFailure(md);
  let prevEnd = -1;
  let lastKeptEnd = 0;
  let remote: string | undefined;
  for (const [k, b] of blocks.entries()) {
    const before = proseBetween(md, Math.max(prevEnd, lastKeptEnd, b.start - 400), b.start);
    const isAlternative = prevEnd >= 0 && /^(or|oder)\s*:?$/i.test(proseBetween(md, prevEnd, b.start));
    prevEnd = b.end;
    if (isAlternative) {
      out.infos.push(`an alternative (after "OR") to the previous command was left out: \`${b.code.split('\n')[0]}\``);
      continue;
    }
    const alt = firstAlternative(stripPrompt(b.code));
    if (alt.cut) out.infos.push(`a code block offers alternatives separated by "OR"; the first one is used`);
    let entry = alt.code.trim();
    if (!entry) continue;
    // {{exec HOST2}}: Katacoda's terminal on the second machine, which is node01 here (HOST1 is the sandbox)
    const hostN = b.action === 'exec' ? /^host(\d+)$/i.exec(b.actionArgs.trim()) : null;
    let onNode = remote;
    if (hostN) {
      const n = Number(hostN[1]);
      if (n < 1 || n > 10) {
        out.todos.push(`\`${entry.split('\n')[0]}\` runs on ${b.actionArgs.trim()}; dropped (a sandbox has node01 to node09 besides itself)`);
        continue;
      }
      if (n > 1) {
        onNode = `node0${n - 1}`;
        out.infos.push(`\`${entry.split('\n')[0]}\` runs on ${b.actionArgs.trim()}: the solution runs it with \`ssh ${onNode} '...'\` (${onNode} is a container of the sandbox's engine)`);
      }
    }
    if (b.action === 'file' && b.file) {
      entry = heredoc(b.file.path, b.file.append, b.code);
      out.todos.push(`writes ${b.file.path} from a Katacoda editor block (a heredoc in the solution); check the file's path and content`);
    } else if (b.action !== 'exec' && !looksLikeCommand(entry)) {
      const file = fileNamedIn(before, entry);
      if (!file) {
        out.todos.push(`a code block that is not a command and names no file was left out of the solution: \`${entry.split('\n')[0]}\``);
        continue;
      }
      entry = heredoc(file.path, file.append, entry);
      out.todos.push(`writes ${file.path} from a ${b.action === 'copy' ? '{{copy}}' : 'plain'} block meant for an editor (${file.append ? 'appended' : 'replaced'}); check it`);
    } else if (b.action === 'copy' || (b.action === undefined && source !== 'answer')) {
      out.infos.push(`\`${entry.split('\n')[0]}\` is not marked {{exec}} in the scenario; used as a command`);
    }
    // "ssh node01" then commands, as typed in one terminal: the commands run on node01 until "exit"
    const login = parseSsh(commandWords(entry));
    if (login && !login.command.length && SSH_NODE.test(login.host) && !entry.includes('\n')) {
      remote = login.host;
      out.infos.push(`\`${entry}\` logs into ${remote}: the solution runs the commands after it with \`ssh ${remote} '...'\` until \`exit\` (node01..node09 are containers of the sandbox's engine)`);
      continue;
    }
    if (remote && /^(exit|logout)$/.test(entry)) {
      remote = undefined;
      continue;
    }
    const after = proseBetween(md, b.end, Math.min(blocks[k + 1]?.start ?? md.length, b.end + 200));
    // which request the tip means is not said: every plain request of the solution may fail then (each one flagged)
    const expectFailure = FAILS.test(after) || (probesMayFail && isProbe(entry));
    const review = reviewEntry(entry, { expectFailure, serverStarted, localImages });
    out.todos.push(...review.todos);
    out.infos.push(...review.infos);
    serverStarted ||= review.startsServer;
    out.mayBlock ||= review.mayBlock;
    if (review.entry) {
      out.commands.push(onNode ? `ssh ${onNode} ${sq(review.entry)}` : review.entry);
      lastKeptEnd = b.end;
    }
  }
  // the step's task: its text without the Solution section and the other dropdowns (tips may mention anything)
  const cut = section ? trailingTeardown(out.commands, withoutRegions(md, [section, ...findDetails(md)])) : 0;
  if (cut) {
    const undone = out.commands.splice(out.commands.length - cut, cut);
    out.todos.push(
      `the Solution ends by undoing the step (${undone.map((c) => `\`${c.split('\n')[0]}\``).join(', ')}) though the step's text does not ask for it; ` +
        `left out of the solution, since the step's check may read what it undoes (move it to a later step's text if learners should try it)`,
    );
  }
  if (out.commands.length === 0) out.source = 'none';
  return out;
}
