import * as path from 'node:path';

/**
 * Killercoda's scripts as Dockhand setups and checks. Sandboxes have a read-only root (only
 * /root, /home, /tmp, /var/tmp, /srv, /opt and a few runtime folders are writable), so Killercoda's `/ks` folder
 * moves to /opt/ks; background scripts run bounded by a timeout with what they wait for already in place; verify
 * scripts run as they are, with a line the learner can read when they fail silently.
 */

export const KS_DIR = '/opt/ks';
/** A background script that has not finished by then is stopped; the setup goes on (Killercoda ignores them too). */
export const BACKGROUND_TIMEOUT_S = 120;

/** `/ks` and `/ks/...` (not `/opt/ks`, `/books`) -> /opt/ks. */
export function rewriteKs(script: string): { text: string; changed: boolean } {
  let changed = false;
  const text = script.replace(/(^|[\s"'=:(>|;&`])\/ks(?=\/|\s|$|["';)|&`])/gm, (_m, pre: string) => {
    changed = true;
    return `${pre}${KS_DIR}`;
  });
  return { text, changed };
}

export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Scenario-given names (file names, titles) in comments and messages: one line, no shell-active characters. */
export const plain = (s: string) =>
  [...s]
    .map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? ' ' : c))
    .join('')
    .replace(/["$`\\]/g, '');

/** A path for the shell: as is when it is plainly a path (so `~` still expands), else single-quoted. */
export const shellPath = (p: string) => (/^[~\w./-]+$/.test(p) ? p : sq(p));

/** A heredoc terminator that does not occur as a line of `body`. */
export function terminator(base: string, body: string): string {
  const lines = new Set(body.split('\n').map((l) => l.trim()));
  let tag = base;
  for (let n = 2; lines.has(tag); n++) tag = `${base}_${n}`;
  return tag;
}

/** Shell that puts `body` in variable `name` byte for byte (no expansion). */
function captureVar(name: string, body: string): string {
  const tag = terminator('DOCKHAND_EOF', body);
  return `${name}=$(cat <<'${tag}'\n${body.replace(/\n+$/, '')}\n${tag}\n)`;
}

export interface EmbeddedAsset {
  /** Path in the sandbox. */
  target: string;
  bytes: Buffer;
  executable: boolean;
}

/** Writes the assets into the sandbox: text as a quoted heredoc, anything else base64. */
export function assetScript(assets: EmbeddedAsset[]): string {
  const out: string[] = [];
  for (const a of assets) {
    const dir = path.posix.dirname(a.target);
    out.push(`mkdir -p ${sq(dir)}`);
    const text = a.bytes.toString('utf8');
    if (!text.includes('\0') && Buffer.from(text, 'utf8').equals(a.bytes)) {
      const tag = terminator('DOCKHAND_ASSET_EOF', text);
      out.push(`cat > ${sq(a.target)} <<'${tag}'\n${text.replace(/\n$/, '')}\n${tag}`);
    } else {
      const tag = terminator('DOCKHAND_ASSET_EOF', '');
      out.push(`base64 -d > ${sq(a.target)} <<'${tag}'\n${a.bytes.toString('base64').replace(/.{76}/g, '$&\n').trim()}\n${tag}`);
    }
    if (a.executable) out.push(`chmod +x ${sq(a.target)}`);
  }
  return out.join('\n');
}

function assignments(script: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const m of script.matchAll(/(?:^|[;\s])([A-Za-z_]\w*)=("[^"]*"|'[^']*'|[^\s;]+)/gm)) vars.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  return vars;
}

/** Files a script waits for with `while ! test -f X`, `while [ ! -f X ]`, `until [ -e X ]`, ... */
export function waitedFiles(script: string): string[] {
  const vars = assignments(script);
  const expand = (p: string) => p.replace(/^["']|["']$/g, '').replace(/\$\{?([A-Za-z_]\w*)\}?/g, (m, v: string) => vars.get(v) ?? m);
  const out: string[] = [];
  const re = /\b(while|until)\s+(!\s*)?(?:test\s+(!\s*)?-[efsd]\s+("[^"]*"|'[^']*'|[^\s;]+)|\[\[?\s*(!\s*)?-[efsd]\s+("[^"]*"|'[^']*'|[^\s\]]+)\s*\]\]?)/g;
  for (const m of script.matchAll(re)) {
    const negated = Boolean(m[2] || m[3] || m[5]);
    const waitsForIt = m[1] === 'while' ? negated : !negated;
    const p = expand(m[4] ?? m[6] ?? '');
    if (waitsForIt && p.startsWith('/') && !p.includes('$')) out.push(p);
  }
  return [...new Set(out)];
}

/** Paths a script plainly creates (`touch X`, `> X`, `cat > X`), so a later wait for them needs nothing. */
export function createdFiles(script: string): string[] {
  const vars = assignments(script);
  const expand = (p: string) => p.replace(/^["']|["']$/g, '').replace(/\$\{?([A-Za-z_]\w*)\}?/g, (m, v: string) => vars.get(v) ?? m);
  const out: string[] = [];
  for (const m of script.matchAll(/\btouch\s+([^\s;&|]+)|>{1,2}\s*([^\s;&|]+)/g)) out.push(expand(m[1] ?? m[2]!));
  return out.filter((p) => p.startsWith('/'));
}

/**
 * A background script as part of a setup: what it waits for that nothing provides is created first (so the wait
 * ends), it runs without stdin under a timeout, and its failure is printed but does not fail the setup.
 */
export function backgroundSetup(label: string, script: string, provided: Set<string>): { text: string; created: string[] } {
  const created = waitedFiles(script).filter((f) => !provided.has(f));
  const lines = [`# ${plain(label)}: bounded by ${BACKGROUND_TIMEOUT_S} s; a failure is printed, not fatal (Killercoda ignores it too)`];
  for (const f of created) lines.push(`mkdir -p ${sq(path.posix.dirname(f))} && touch ${sq(f)}  # it waits for this file; nothing in the lesson creates it`);
  lines.push(captureVar('dockhand_script', script));
  lines.push(`timeout ${BACKGROUND_TIMEOUT_S} bash -c "$dockhand_script" </dev/null || echo "dockhand: ${plain(label)} exited $? (ignored)" >&2`);
  for (const f of createdFiles(script)) provided.add(f);
  return { text: lines.join('\n'), created };
}

/** True when a foreground script does more than wait, greet or clear the screen (then it is kept as set-up). */
export function foregroundDoesSetup(script: string): boolean {
  const vars = assignments(script);
  const rest = script
    .replace(/\$\{?([A-Za-z_]\w*)\}?/g, (m, v: string) => vars.get(v) ?? m)
    .replace(/\b(while|until)\b[\s\S]*?\bdone\b/g, (loop) => (/\b(docker|mkdir|cp|mv|apt|curl|git|cat\s*>|echo[^\n;]*>)/.test(loop.replace(/^(while|until)[^;\n]*/, '')) ? loop : ''))
    .split(/\n|;/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .filter((l) => !/^(clear|reset|echo\b(?![^|>]*>)[^|>]*|printf\b(?![^>]*>)[^>]*|sleep\s+[\d.]+|history -a|export PROMPT_COMMAND=.*|PROMPT_COMMAND=.*|export HISTFILE=.*|HISTFILE=.*|set -[a-z]+)$/.test(l))
    .filter((l) => !/^(bash|sh|source|\.)\s+\S*wait\S*$/i.test(l))
    .filter((l) => !/^[A-Za-z_]\w*=\S+$/.test(l));
  return rest.length > 0;
}

/** Where a check's own files go: checks run in the sandbox's inspector, where only /tmp is writable. */
export const CHECK_SCRATCH = '/tmp/dockhand-verify';

/**
 * Checks run with trusted tools that see the learner's files read-only (src/sandbox/checks/inspector-spec.ts), so a verify
 * script's own writes (Killercoda's `{ ... } >> /ks/step1-verify.log`) go to CHECK_SCRATCH instead: redirect targets
 * that are paths, and the variables they name.
 */
export function redirectWrites(script: string): { text: string; moved: string[]; logs: string[] } {
  const moved = new Set<string>();
  const scratch = (p: string) => `${CHECK_SCRATCH}/${path.posix.basename(p) || 'out'}`;
  const vars = new Set<string>();
  let text = script.replace(/(^|[^0-9&<>])(>>?)(\s*)("?)(\$\{?[A-Za-z_]\w*\}?|\/[^\s"';|&)]+)\4/gm, (m, pre: string, op: string, sp: string, q: string, target: string) => {
    if (target.startsWith('$')) {
      vars.add(target.replace(/[${}]/g, ''));
      return m;
    }
    if (/^\/(dev|proc)\//.test(target) || target.startsWith(`${CHECK_SCRATCH}/`) || target.startsWith('/tmp/')) return m;
    moved.add(target);
    return `${pre}${op}${sp}${q}${scratch(target)}${q}`;
  });
  for (const v of vars) {
    text = text.replace(new RegExp(`(^|[\\s;])(${v})=("?)(\\/[^\\s"';]+)\\3`, 'gm'), (m, pre: string, name: string, q: string, value: string) => {
      if (/^\/(dev|tmp)\//.test(value)) return m;
      moved.add(value);
      return `${pre}${name}=${q}${scratch(value)}${q}`;
    });
  }
  return { text, moved: [...moved], logs: [...moved].map(scratch) };
}

/** The verify script, run as is; when it fails without printing anything the learner still gets a reason. */
export function wrapVerify(script: string, stepTitle: string, source: string, logs: string[] = []): string {
  const reason = `Not done yet: ${plain(stepTitle)}.`;
  return [
    '#!/bin/bash',
    `# Imported from the scenario's ${plain(source)}. Killercoda checks often print nothing when they fail;`,
    '# then the learner sees the line below instead of an empty message. Its own files go to a scratch folder.',
    `mkdir -p ${CHECK_SCRATCH}`,
    captureVar('dockhand_verify', script),
    'dockhand_out=$(bash -c "$dockhand_verify" 2>&1 </dev/null); dockhand_rc=$?',
    '[ -n "$dockhand_out" ] && printf \'%s\\n\' "$dockhand_out"',
    `if [ "$dockhand_rc" -ne 0 ] && [ -z "$(printf '%s' "$dockhand_out" | tr -d '[:space:]')" ]; then`,
    // the learner sees the last line only; the lines before it (the check's own log) are for the author
    ...logs.map((f) => `  [ -f ${sq(f)} ] && tail -n 20 ${sq(f)}`),
    `  echo "FAIL: ${reason}"`,
    'fi',
    'exit "$dockhand_rc"',
    '',
  ].join('\n');
}
