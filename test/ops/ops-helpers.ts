import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

/** Helpers for the tests that run the project as an operator would (its image, compose). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const IMAGE = process.env.DOCKHAND_IMAGE || 'dockhand:smoke';

/** Runs a program in the checkout, collecting stdout and stderr; killed (and said so) after timeoutMs. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The docker CLI; its trimmed stdout, or an error with its stderr. */
export const docker = (...args: string[]) =>
  new Promise<string>((resolve, reject) => execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args[0]}: ${stderr || err.message}`)) : resolve(stdout.trim()))));

/** Polls probe until it gives a value (a throw counts as not yet); fails after timeoutMs naming what it waited for. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** What is left on the engine with this label filter: containers, volumes and networks (each '' when none). */
export async function leftovers(filter: string): Promise<{ containers: string; volumes: string; networks: string }> {
  return {
    containers: await docker('ps', '-a', '-q', '--filter', filter),
    volumes: await docker('volume', 'ls', '-q', '--filter', filter),
    networks: await docker('network', 'ls', '-q', '--filter', filter),
  };
}
