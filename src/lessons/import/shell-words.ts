/**
 * Just enough shell reading for the importer: logical lines (heredoc bodies and `\` continuations kept whole),
 * the simple commands of a line, their words, and `docker run` arguments. Not a shell parser; it is used to
 * flag and rewrite a few well-known command shapes, and every rewrite is reported.
 */

export interface LogicalLine {
  /** The line as written (continuations joined with their backslash-newline kept). */
  text: string;
  /** Heredoc body lines that follow it, with the terminator. */
  heredoc: string[];
}

/** Splits a script into logical lines; heredoc bodies stay attached to the line that opened them. */
export function logicalLines(script: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i]!;
    while (/(^|[^\\])\\$/.test(text) && i + 1 < lines.length) text += `\n${lines[++i]!}`;
    const heredoc: string[] = [];
    for (const m of text.matchAll(/(?<!<)<<-?(?!<)\s*(['"]?)([A-Za-z_][\w-]*)\1/g)) {
      const word = m[2]!;
      while (i + 1 < lines.length) {
        const l = lines[++i]!;
        heredoc.push(l);
        if (l.trim() === word) break;
      }
    }
    out.push({ text, heredoc });
  }
  return out;
}

export const joinLines = (lines: LogicalLine[]): string => lines.flatMap((l) => [l.text, ...l.heredoc]).join('\n');

/** Splits on `&&`, `||`, `;`, `|` outside quotes; returns each simple command with its offset in the line. */
export function simpleCommands(line: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let quote = '';
  let start = 0;
  const push = (end: number) => {
    const raw = line.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim()) out.push({ text: raw.trim(), offset: start + lead });
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '\\') {
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      push(i);
      start = line.length;
      break;
    } else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      push(i);
      if ((c === '|' && line[i + 1] === '|') || c === '&') i++;
      start = i + 1;
    }
  }
  if (start < line.length) push(line.length);
  return out;
}

/** Words of a simple command, quotes removed (no expansion). */
export function words(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      const n = cmd[++i]!;
      if (n !== '\n') cur += n;
      has = true;
    } else if (/\s/.test(c)) {
      if (cur || has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (cur || has) out.push(cur);
  return out;
}

/** `sudo`, `env X=1` and `VAR=value` prefixes do not change what a command is. */
export function commandWords(cmd: string): string[] {
  const w = words(cmd);
  while (w.length && (w[0] === 'sudo' || /^[A-Za-z_]\w*=/.test(w[0]!))) w.shift();
  return w;
}

// docker run/create options that take a value (short and long); anything else starting with - is a flag.
const VALUE_OPTIONS = new Set(
  ('-a -c -e -h -l -m -p -u -v -w --add-host --attach --blkio-weight --cap-add --cap-drop --cgroup-parent --cidfile --cpu-period ' +
    '--cpu-quota --cpu-shares --cpus --cpuset-cpus --cpuset-mems --device --dns --dns-option --dns-search --entrypoint --env --env-file ' +
    '--expose --gpus --group-add --health-cmd --health-interval --health-retries --health-start-period --health-timeout --hostname --ip ' +
    '--ip6 --ipc --isolation --label --label-file --link --log-driver --log-opt --mac-address --memory --memory-reservation --memory-swap ' +
    '--mount --name --network --net --network-alias --pid --pids-limit --platform --publish --pull --restart --runtime --security-opt ' +
    '--shm-size --stop-signal --stop-timeout --storage-opt --sysctl --tmpfs --ulimit --user --userns --uts --volume --volume-driver ' +
    '--volumes-from --workdir --detach-keys').split(' '),
);

export interface DockerRun {
  /** `run` or `create`, and where the options start in the words. */
  sub: string;
  detached: boolean;
  interactive: boolean;
  tty: boolean;
  rm: boolean;
  image?: string;
  /** The command after the image (empty: the image's default). */
  args: string[];
}

/** Reads `docker run|create|container run` words; undefined for anything else. */
export function parseDockerRun(w: string[]): DockerRun | undefined {
  if (w[0] !== 'docker') return undefined;
  let i = 1;
  if (w[i] === 'container') i++;
  const sub = w[i];
  if (sub !== 'run' && sub !== 'create') return undefined;
  const r: DockerRun = { sub, detached: false, interactive: false, tty: false, rm: false, args: [] };
  for (i++; i < w.length; i++) {
    const a = w[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('--')) {
      const [name] = a.split('=', 1) as [string];
      if (name === '--detach') r.detached = true;
      else if (name === '--interactive') r.interactive = true;
      else if (name === '--tty') r.tty = true;
      else if (name === '--rm') r.rm = true;
      else if (VALUE_OPTIONS.has(name) && !a.includes('=')) i++;
      continue;
    }
    // a cluster of short flags (-dit), possibly ending with one that takes a value (-dp 80:80)
    for (let k = 1; k < a.length; k++) {
      const f = a[k]!;
      if (f === 'd') r.detached = true;
      else if (f === 'i') r.interactive = true;
      else if (f === 't') r.tty = true;
      else if (VALUE_OPTIONS.has(`-${f}`)) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  r.image = w[i];
  r.args = w.slice(i + 1);
  return r;
}

const SSH_VALUE_OPTIONS = /^-[BbcDEeFIiJLlmOoPpQRSWw]$/;
/** The hosts images/sandbox/ssh reaches: this machine by its Killercoda names, and node01..node09 as containers. */
export const SSH_NODE = /^(node0[1-9]|controlplane|host01|localhost)$/;

/** `ssh [opts] [user@]HOST [command...]` words: the host and the remote command (empty for a login). */
export function parseSsh(w: string[]): { host: string; command: string[] } | undefined {
  if (w[0] !== 'ssh') return undefined;
  let i = 1;
  for (; i < w.length && w[i]!.startsWith('-'); i++) {
    if (w[i] === '--') {
      i++;
      break;
    }
    if (SSH_VALUE_OPTIONS.test(w[i]!)) i++;
  }
  const target = w[i];
  return target === undefined ? undefined : { host: target.replace(/^[^@]*@/, ''), command: w.slice(i + 1) };
}
