import { SSH_NODE, commandWords, joinLines, logicalLines, parseDockerRun, parseSsh, simpleCommands, type LogicalLine } from './shell-words';

/**
 * Reviews one derived solution entry (a code block) before it becomes part of a lesson solution, which runs as one
 * non-interactive script: commands that need a terminal, never end, need other machines or the internet, or are
 * meant to fail are rewritten or dropped, and every one of them is reported as a TODO for the author.
 */

export interface ReviewContext {
  /** The scenario's prose says this block fails (e.g. "It should fail"). */
  expectFailure: boolean;
  /** A server was started earlier in this solution, so a `curl` may race it. */
  serverStarted: boolean;
  /** Images the scenario builds itself: their default command is unknown. */
  localImages: ReadonlySet<string>;
}

export interface ReviewResult {
  /** The rewritten entry, or undefined when nothing runnable is left. */
  entry?: string;
  todos: string[];
  infos: string[];
  /** The entry starts something that listens (docker run -d, compose up, docker start). */
  startsServer: boolean;
  /** A command may not end on its own (kept, but the step gets a shorter solution timeout). */
  mayBlock: boolean;
}

const EDITORS = new Set(['vi', 'vim', 'nvim', 'nano', 'emacs', 'pico', 'mcedit', 'code', 'joe']);
const SHELLS = new Set(['sh', 'bash', 'ash', 'zsh', '/bin/sh', '/bin/bash', '/bin/ash', '/bin/zsh', '/usr/bin/bash']);
const PROMPTS = new Set(['python', 'python3', 'node', 'irb', 'psql', 'mysql', 'redis-cli', 'mongo', 'mongosh', 'sqlite3', 'bc']);
/** Images whose default command is a server that stays in the foreground. */
const SERVER_IMAGES = /^(nginx|httpd|redis|postgres|mysql|mariadb|mongo|registry|rabbitmq|memcached|traefik|caddy|jenkins\/jenkins|jenkins|elasticsearch|grafana\/grafana|prom\/prometheus|wordpress|ghost|tomcat|haproxy|consul|vault|minio\/minio|node-red|gitea\/gitea)$/;
/** Not in the sandbox image (images/sandbox/packages.txt): the command fails with "command not found". */
const MISSING_TOOLS = new Set([
  'tree', 'wget', 'podman', 'kubectl', 'helm', 'rsync', 'scp', 'python', 'python3', 'pip', 'pip3',
  'node', 'npm', 'go', 'java', 'systemctl', 'service', 'journalctl', 'htop', 'netstat', 'nslookup', 'dig', 'telnet', 'nc', 'unzip',
  'zip', 'make', 'gcc', 'sshpass', 'crontab',
]);

// docker exec options that take a value
const EXEC_VALUE_OPTIONS = new Set(['-e', '--env', '--env-file', '-u', '--user', '-w', '--workdir', '--detach-keys']);

/** `docker exec [opts] CONTAINER CMD...`: the container and the command. */
function parseExec(w: string[]): { container?: string; command: string[]; interactive: boolean } {
  let i = w[1] === 'container' ? 3 : 2;
  let interactive = false;
  for (; i < w.length; i++) {
    const a = w[i]!;
    if (!a.startsWith('-')) break;
    if (/^-[a-zA-Z]+$/.test(a) && /[it]/.test(a)) interactive = true;
    if (a === '--interactive' || a === '--tty') interactive = true;
    if (EXEC_VALUE_OPTIONS.has(a)) i++;
  }
  return { container: w[i], command: w.slice(i + 1), interactive };
}

const repoOf = (image: string) => image.replace(/^docker\.io\/(library\/)?/, '').split(':')[0]!;

function needsInternet(w: string[], text: string): string | undefined {
  if ((w[0] === 'apt' || w[0] === 'apt-get') && w.includes('install')) return 'installs packages (apt)';
  if (w[0] === 'apk' && w[1] === 'add') return 'installs packages (apk)';
  if ((w[0] === 'pip' || w[0] === 'pip3') && w[1] === 'install') return 'installs packages (pip)';
  if (w[0] === 'npm' && (w[1] === 'install' || w[1] === 'i')) return 'installs packages (npm)';
  if (w[0] === 'git' && w[1] === 'clone') return 'clones a repository';
  if ((w[0] === 'curl' || w[0] === 'wget') && /https?:\/\/(?!localhost|127\.|0\.0\.0\.0|\[::1\])[a-z0-9.-]+\.[a-z]{2,}/i.test(text)) return 'downloads from the internet';
  return undefined;
}

interface Edit {
  offset: number;
  length: number;
  text: string;
}

/** Reviews one simple command; returns edits to its line, or 'drop' for the whole line. */
function reviewCommand(text: string, offset: number, ctx: ReviewContext, out: ReviewResult): Edit[] | 'drop' {
  const w = commandWords(text);
  const head = w[0] ?? '';
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  if (EDITORS.has(head)) {
    out.todos.push(`\`${short}\` opens an editor; dropped from the solution (write the file with a heredoc instead)`);
    return 'drop';
  }
  const ssh = parseSsh(w);
  if (ssh && ssh.command.length && SSH_NODE.test(ssh.host)) {
    out.infos.push(`\`${short}\` runs on ${ssh.host}: in a sandbox, node01..node09 are containers of its own engine, started at the first \`ssh\` (images/sandbox/ssh)`);
    return [];
  }
  if (head === 'ssh' || head === 'telnet') {
    out.todos.push(`\`${short}\` logs into another machine; dropped (a Dockhand sandbox is one machine, commands meant for it run locally)`);
    return 'drop';
  }
  if (PROMPTS.has(head) && w.length === 1) {
    out.todos.push(`\`${short}\` starts an interactive prompt; dropped from the solution`);
    return 'drop';
  }
  if (head === 'docker' && (w[1] === 'attach' || (w[1] === 'events' && !w.some((x) => x.startsWith('--until'))) || (w[1] === 'stats' && !w.includes('--no-stream')))) {
    out.todos.push(`\`${short}\` never ends on its own; dropped from the solution`);
    return 'drop';
  }
  if ((head === 'docker' && (w[1] === 'logs' || w[2] === 'logs') && w.some((x) => x === '-f' || x === '--follow')) || (head === 'tail' && w.some((x) => /^-\w*f/.test(x))) || head === 'watch' || head === 'top' || head === 'htop' || (head === 'journalctl' && w.includes('-f'))) {
    out.todos.push(`\`${short}\` follows output forever; dropped from the solution`);
    return 'drop';
  }
  const edits: Edit[] = [];
  const run = parseDockerRun(w);
  const isExec = head === 'docker' && (w[1] === 'exec' || (w[1] === 'container' && w[2] === 'exec'));
  const exec = isExec ? parseExec(w) : undefined;
  if (run || exec) {
    const interactive = run ? (run.interactive || run.tty) && !run.detached : exec!.interactive;
    const rest = run ? run.args : exec!.command;
    const target = run ? run.image : exec!.container;
    const shell = rest.length === 0 || (SHELLS.has(rest[0]!) && !rest.includes('-c'));
    const server = run?.image !== undefined && SERVER_IMAGES.test(repoOf(run.image));
    // only the options before the image/container are rewritten, never the command's own arguments
    const optsEnd = target === undefined ? text.length : Math.max(0, text.search(new RegExp(`\\s['"]?${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]?(\\s|$)`)));
    const rewriteOpts = (f: (opts: string) => string) => edits.push({ offset, length: optsEnd, text: f(text.slice(0, optsEnd)) });
    if (interactive && shell && !(run && rest.length === 0 && server)) {
      out.todos.push(`\`${short}\` opens an interactive shell; dropped from the solution (do the shell's work with \`docker exec NAME sh -c '...'\`)`);
      return 'drop';
    }
    if (interactive) {
      const detach = Boolean(run && server && rest.length === 0);
      rewriteOpts((opts) => {
        let done = false;
        return opts
          .replace(/(\s)-([dit]+)(?=\s|$)/g, (_m, sp: string, flags: string) => {
            const kept = flags.replace(/[it]/g, '');
            if (detach && !done) {
              done = true;
              return `${sp}-d`;
            }
            return kept ? `${sp}-${kept}` : '';
          })
          .replace(/\s--(interactive|tty)\b/g, '');
      });
      if (detach) {
        out.todos.push(`\`${short}\` runs a server with a terminal attached; the solution runs it detached (-d) instead`);
        out.startsServer = true;
        return edits;
      }
      out.todos.push(`\`${short}\` asks for a terminal (-i/-t); the solution runs it without one`);
    }
    if (run && !run.detached && !interactive) {
      const blockingArgs = /^(ping(?!.*\s-c\s)|sleep\s+(infinity|\d{3,})|tail\s+-f|top|watch|nc\s+-l|python3?\s+-m\s+http\.server)/.test(run.args.join(' '));
      const local = run.image !== undefined && ctx.localImages.has(run.image.includes(':') ? run.image : `${run.image}:latest`);
      if (blockingArgs || (run.args.length === 0 && server)) {
        const m = /\b(run|create)\b/.exec(text)!;
        edits.push({ offset: offset + m.index + m[0].length, length: 0, text: ' -d' });
        out.todos.push(`\`${short}\` would block in the foreground; the solution runs it detached (-d)`);
        out.startsServer = true;
      } else if (local && run.args.length === 0 && !run.rm && !/\s--entrypoint[ =](date|echo|ls|cat|env|true|printenv|whoami|id|pwd|uname)\b/.test(text)) {
        // --rm marks a one-shot run; anything else built here may be a server
        out.todos.push(`\`${short}\` runs an image built in the scenario in the foreground; it blocks if its command keeps running (add -d if so)`);
        out.mayBlock = true;
      }
    }
    if (run?.detached) out.startsServer = true;
    if (exec && exec.command[0] === 'ping' && !exec.command.includes('-c')) {
      const m = /\sping(?=\s|$)/.exec(text)!;
      edits.push({ offset: offset + m.index + m[0].length, length: 0, text: ' -c 3' });
      out.todos.push(`\`${short}\` pings forever; the solution stops after 3 (-c 3)`);
    }
  }
  if (head === 'docker' && (w[1] === 'start' || w[1] === 'restart' || ((w[1] === 'compose' || w[1] === 'service') && w.includes('up')) || w[1] === 'service')) out.startsServer = true;
  if (head === 'docker-compose' && w.includes('up')) out.startsServer = true;
  const after = (re: RegExp) => {
    const m = re.exec(text)!;
    return offset + m.index + m[0].length;
  };
  if (head === 'ping' && !w.includes('-c') && !w.some((x) => /^-c\d/.test(x))) {
    edits.push({ offset: after(/\bping\b/), length: 0, text: ' -c 3' });
    out.todos.push(`\`${short}\` pings forever; the solution stops after 3 (-c 3)`);
  }
  if (head === 'curl' && ctx.serverStarted) {
    edits.push({ offset: after(/\bcurl\b/), length: 0, text: ' --retry 10 --retry-all-errors --retry-delay 1' });
    out.infos.push(`\`${short}\` right after starting a server: the solution retries it for up to 10 s (a learner types slower than a script)`);
  }
  const internet = needsInternet(w, text);
  if (internet) out.todos.push(`\`${short}\` ${internet}; sandboxes have no internet by default`);
  // jq, `docker compose` and `docker-compose` (Compose v2) are in the sandbox image since its trixie rebuild
  const tool = MISSING_TOOLS.has(head) ? head : undefined;
  if (tool) out.todos.push(`\`${short}\`: ${tool} is not installed in the sandbox`);
  return edits;
}

export function reviewEntry(entry: string, ctx: ReviewContext): ReviewResult {
  const out: ReviewResult = { todos: [], infos: [], startsServer: false, mayBlock: false };
  const kept: LogicalLine[] = [];
  for (const line of logicalLines(entry)) {
    if (!line.text.trim() || /^\s*#/.test(line.text)) {
      if (line.heredoc.length || line.text.trim()) kept.push(line);
      continue;
    }
    let text = line.text;
    let dropped = false;
    const cmds = simpleCommands(text);
    const all: Edit[] = [];
    for (const c of cmds) {
      const r = reviewCommand(c.text, c.offset, { ...ctx, serverStarted: ctx.serverStarted || out.startsServer }, out);
      if (r === 'drop') {
        dropped = true;
        break;
      }
      all.push(...r);
    }
    if (dropped) continue;
    for (const e of all.sort((a, b) => b.offset - a.offset)) text = text.slice(0, e.offset) + e.text + text.slice(e.offset + e.length);
    if (ctx.expectFailure && !/\|\|\s*true\s*$/.test(text)) {
      text = `${text} || true`;
      out.todos.push(`\`${line.text.trim().slice(0, 80)}\` is meant to fail (the scenario says so); the solution ignores its exit code`);
    }
    kept.push({ text, heredoc: line.heredoc });
  }
  const result = joinLines(kept).trim();
  return { ...out, ...(result && !/^(#[^\n]*\n?)*$/.test(result) ? { entry: result } : {}) };
}
