import * as nodePty from 'node-pty';

/** The only surface of a pseudo-terminal the rest of the sandbox uses (so it can be swapped or faked). */
export interface Pty {
  onData(listener: (data: string) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Resolves once with the exit code of the process behind the pty. */
  exit: Promise<{ exitCode: number; signal?: number }>;
  terminate(): void;
  /** Stop and restart reading the terminal (flow control: a writer blocks while paused). Optional for fakes. */
  pause?(): void;
  resume?(): void;
  readonly pid: number;
}

export interface SpawnPtyOptions {
  cols: number;
  rows: number;
  /** The child's whole environment, chosen by the caller (nothing is inherited implicitly). */
  env: Record<string, string | undefined>;
}

export function spawnPty(file: string, args: string[], opts: SpawnPtyOptions): Pty {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  const proc = nodePty.spawn(file, args, { name: 'xterm', cols: opts.cols, rows: opts.rows, env, encoding: 'utf8' });
  let exited = false;
  const exit = new Promise<{ exitCode: number; signal?: number }>((resolve) => {
    proc.onExit((e) => {
      exited = true;
      resolve(e);
    });
  });
  return {
    pid: proc.pid,
    onData: (listener) => {
      proc.onData(listener);
    },
    write: (data) => {
      if (!exited) proc.write(data);
    },
    resize: (cols, rows) => {
      if (!exited) proc.resize(cols, rows);
    },
    exit,
    pause: () => {
      if (!exited) proc.pause();
    },
    resume: () => {
      if (!exited) proc.resume();
    },
    terminate: () => {
      if (exited) return;
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
