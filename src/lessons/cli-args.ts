import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The flags each command accepts: anything else is refused, so a misspelt switch never becomes a lesson id. */
const OPTIONS = {
  validate: { dir: { type: 'string' } },
  test: {
    dir: { type: 'string' },
    'one-sandbox': { type: 'boolean' },
    concurrency: { type: 'string' },
    'main-path': { type: 'boolean' },
    'unsafe-host-profile': { type: 'boolean' },
  },
  import: {
    dir: { type: 'string' },
    out: { type: 'string' },
    id: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const satisfies Record<string, NonNullable<ParseArgsConfig['options']>>;

export type CliCommand = keyof typeof OPTIONS;

export interface CliArgs {
  positional: string[];
  flags: { dir?: string; 'one-sandbox'?: boolean; concurrency?: string; 'main-path'?: boolean; 'unsafe-host-profile'?: boolean; out?: string; id?: string; force?: boolean };
}

export const isCliCommand = (cmd: string | undefined): cmd is CliCommand => cmd !== undefined && Object.hasOwn(OPTIONS, cmd);

/**
 * Strict parsing with node:util.parseArgs: an unknown flag, a switch given a value or a flag missing its value is a
 * one-line `{ refusal }` (with the closest known flag when the name is a near miss) instead of a guess.
 */
export function parseCliArgs(cmd: CliCommand, argv: string[]): CliArgs | { refusal: string } {
  const options = OPTIONS[cmd];
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { positional: positionals, flags: values as CliArgs['flags'] };
  } catch (err) {
    return { refusal: `lessons ${cmd}: ${describe(err as NodeJS.ErrnoException, Object.keys(options))}` };
  }
}

function describe(err: NodeJS.ErrnoException, known: string[]): string {
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = /'([^']+)'/.exec(err.message)?.[1] ?? '';
      const near = closest(name.replace(/^-+/, '').split('=')[0]!, known);
      return `unknown flag ${name}${near ? ` (did you mean --${near}?)` : ''}; this command takes ${known.map((k) => `--${k}`).join(', ')}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /'(--[a-z-]+)/.exec(err.message)?.[1] ?? 'a flag';
      if (/does not take an argument/.test(err.message)) return `${name} is a switch and takes no value`;
      return `${name} needs a value (${name} <value> or ${name}=<value>)`;
    }
    default:
      return err.message.split('\n')[0]!;
  }
}

/** The known flag a misspelling most likely meant: same letters without dashes or case, or at most two edits away. */
function closest(name: string, known: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const exact = known.find((k) => norm(k) === norm(name));
  if (exact) return exact;
  const scored = known.map((k) => ({ k, d: distance(norm(name), norm(k)) })).sort((a, b) => a.d - b.d);
  return scored[0] && scored[0].d <= 2 ? scored[0].k : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
