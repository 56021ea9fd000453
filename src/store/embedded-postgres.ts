import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { AppError } from '../errors';
import { postgresReachProblem } from './postgres-reach';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL in `dataDir` (kept between runs when `persistent`), in a child process that
 * stops the server when this process exits, whatever way it exits.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  persistent: boolean;
  database?: string;
  timeoutMs?: number;
  port?: number;
}): Promise<EmbeddedPostgres> {
  const problem = postgresReachProblem([...binaryFolders(), path.join(path.resolve(opts.dataDir), 'pg')], process.getuid?.() === 0);
  if (problem) throw new AppError('DB_EMBEDDED_UNREACHABLE', problem);
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'dockhand';
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'embedded-postgres-child.mjs'), JSON.stringify({ dataDir: path.resolve(opts.dataDir), port, persistent: opts.persistent, database })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await waitReady(child, opts.timeoutMs ?? 60000);
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`;
  return { url, stop: () => stopChild(child) };
}

/** The platform package holding the server's binaries (only the one for this platform is installed). */
function binaryFolders(): string[] {
  try {
    return [path.join(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`)), 'native')];
  } catch {
    return [];
  }
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const done = (err?: Error) => {
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve();
    };
    const timer = setTimeout(() => done(new AppError('DB_EMBEDDED_TIMEOUT', `Embedded PostgreSQL did not start within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => done(new AppError('DB_EMBEDDED_FAILED', `Embedded PostgreSQL exited (code ${code}) before it was ready`));
    child.on('exit', onExit);
    lines.on('line', (line) => {
      if (line.startsWith('READY')) done();
      else if (line.startsWith('FAILED')) done(new AppError('DB_EMBEDDED_FAILED', `Embedded PostgreSQL failed to start: ${JSON.parse(line.slice(7))}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}
